package io.elspeth.pipelines.settings;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings file's YAML: duplicate keys, aliases, limits and scalar types. */
class SettingsYamlTest {
  @TempDir Path dir;

  private Path write(String yaml) throws Exception {
    Path f = dir.resolve("settings.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  private SettingsException refused(String yaml) throws Exception {
    Path f = write(yaml);
    return assertThrows(SettingsException.class, () -> SettingsLoader.load(f, null, Map.of()));
  }

  @Test
  void aDuplicateSinkNamesTheFileTheKeyAndBothLines() throws Exception {
    SettingsException e =
        refused(
            """
        source: {plugin: null}
        sinks:
          normal: {plugin: csv, options: {path: a.csv}}
          other: {plugin: csv, options: {path: b.csv}}
          normal: {plugin: csv, options: {path: c.csv}}
        """);
    assertThat(
        e.getMessage(),
        allOf(
            containsString(dir.resolve("settings.yaml").toString()),
            containsString("sinks.normal: duplicate key at line 3 and again at line 5")));
  }

  @Test
  void duplicatesAreFoundAtEveryDepthAndAllAtOnce() throws Exception {
    SettingsException e =
        refused(
            """
        source:
          plugin: csv
          options:
            path: a.csv
            path: b.csv
        landscape: {url: "sqlite:///a.db", url: "sqlite:///b.db"}
        """);
    assertThat(e.problems(), hasSize(2));
    assertThat(
        e.getMessage(),
        allOf(
            containsString("source.options.path: duplicate key at line 4 and again at line 5"),
            containsString("landscape.url: duplicate key at line 6 and again at line 6")));
  }

  @Test
  void aDuplicateInsideAProfileIsRefused() throws Exception {
    SettingsException e =
        refused(
            """
        default:
          sinks: {out: {plugin: csv, options: {path: a.csv}}}
        profiles:
          prod:
            sinks: {out: {options: {path: b.csv}}}
          prod:
            sinks: {out: {options: {path: c.csv}}}
        """);
    assertThat(
        e.getMessage(),
        containsString("profiles.prod: duplicate key at line 4 and again at line 6"));
  }

  @Test
  void aQuotedKeyEqualToAPlainOneIsADuplicate() throws Exception {
    SettingsException e = refused("a: 1\n\"a\": 2\n");
    assertThat(e.getMessage(), containsString("a: duplicate key at line 1 and again at line 2"));
  }

  @Test
  void aVariableSetTwiceInDotEnvNamesBothLinesButNotTheValues() throws Exception {
    Files.writeString(dir.resolve(".env"), "API_KEY=first-secret\n# c\nAPI_KEY=second-secret\n");
    Path f = write("a: ${API_KEY}\n");
    SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load(f, null));
    assertThat(
        e.getMessage(),
        allOf(
            containsString(dir.resolve(".env").toString()),
            containsString("API_KEY: set twice, at line 1 and again at line 3"),
            not(containsString("secret"))));
  }

  @Test
  void billionLaughsIsRefusedWithAClearMessage() throws Exception {
    StringBuilder y = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 9; i++) {
      y.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 4; j++) {
        y.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      y.append("]\n");
    }
    SettingsException e = refused(y.toString());
    assertThat(
        e.getMessage(),
        containsString("expand to more than " + SettingsYaml.MAX_VALUES + " values"));
  }

  @Test
  void tooManyCollectionAliasesAreRefusedWhileComposing() throws Exception {
    StringBuilder y = new StringBuilder("base: &b {k: v}\nlist:\n");
    for (int i = 0; i <= SettingsYaml.MAX_COLLECTION_ALIASES; i++) {
      y.append("  - *b\n");
    }
    SettingsException e = refused(y.toString());
    assertThat(e.getMessage(), containsString("malformed YAML"));
  }

  @Test
  void aRecursiveAliasIsRefused() throws Exception {
    SettingsException e = refused("a: &x [1, *x]\n");
    assertThat(e.getMessage(), containsString("recursive alias"));
  }

  @Test
  void deepNestingIsRefusedNotAStackOverflow() throws Exception {
    SettingsException e = refused("a: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n");
    assertThat(e.getMessage(), containsString("malformed YAML"));
  }

  @Test
  void aFileOverTheSizeLimitIsRefusedBeforeItIsRead() throws Exception {
    SettingsException e = refused("# " + "x".repeat(SettingsYaml.MAX_BYTES) + "\n");
    assertThat(
        e.getMessage(),
        containsString("a settings file may have at most " + SettingsYaml.MAX_BYTES + " bytes"));
  }

  @Test
  void bytesThatAreNotUtf8AreRefusedWithTheirOffset() throws Exception {
    Path f = dir.resolve("settings.yaml");
    Files.write(f, new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n'});
    SettingsException e =
        assertThrows(SettingsException.class, () -> SettingsLoader.load(f, null, Map.of()));
    assertThat(e.getMessage(), containsString("not UTF-8 text: invalid byte at offset 3"));
  }

  @Test
  void malformedYamlNamesLineAndColumn() throws Exception {
    SettingsException e = refused("source:\n  plugin: csv\n   options: [\n");
    assertThat(
        e.getMessage(),
        allOf(
            containsString("malformed YAML: line 3, column"),
            containsString(dir.resolve("settings.yaml").toString())));
  }

  @Test
  void aPythonObjectTagIsRefusedNotConstructed() throws Exception {
    assertThat(
        refused("a: !!python/object:os.system [echo]\n").getMessage(),
        containsString("malformed YAML: line 1, column 4: Global tag is not allowed"));
    SettingsException e = refused("a: !custom [x]\nb: !custom x\n");
    assertThat(e.problems(), hasSize(2));
    assertThat(
        e.getMessage(), containsString("a: tag !custom at line 1, column 4 is not" + " supported"));
  }

  @Test
  void nonFiniteNumbersAreRefused() throws Exception {
    SettingsException e = refused("a: .nan\nb: -.inf\n");
    assertThat(e.problems(), hasSize(2));
    assertThat(e.getMessage(), containsString("a: '.nan' at line 1 is not a finite number"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aliasesAndMergeKeysAreExpandedWithExplicitKeysWinning() throws Exception {
    Map<String, Object> s =
        SettingsLoader.load(
            write(
                """
        base: &csv {plugin: csv, options: {delimiter: ";"}}
        a: *csv
        b:
          <<: *csv
          plugin: json
        """),
            null,
            Map.of());
    assertThat(s.get("a"), is(Map.of("plugin", "csv", "options", Map.of("delimiter", ";"))));
    assertThat(((Map<String, Object>) s.get("b")).get("plugin"), is("json"));
    assertThat(((Map<String, Object>) s.get("b")).get("options"), is(Map.of("delimiter", ";")));
  }

  @Test
  void scalarsAreTypedAsTheCoreSchemaTypesThem() throws Exception {
    Map<String, Object> s =
        SettingsLoader.load(
            write(
                """
        on: yes
        i: 42
        neg: -7
        big: 123456789012345678901234
        hex: 0x1F
        f: 2.5
        e: 1e3
        t: True
        n: ~
        empty:
        date: 2024-01-01
        quoted: "42"
        tagged: !!str 42
        """),
            null,
            Map.of());
    assertThat(s.get("on"), is("yes"));
    assertThat(s.get("i"), is(42L));
    assertThat(s.get("neg"), is(-7L));
    assertThat(s.get("big"), is(new BigInteger("123456789012345678901234")));
    assertThat(s.get("hex"), is(31L));
    assertThat(s.get("f"), is(2.5));
    assertThat(s.get("e"), is(1000.0));
    assertThat(s.get("t"), is(true));
    assertThat(s.get("n"), nullValue());
    assertThat(s.get("empty"), nullValue());
    assertThat(s.get("date"), is("2024-01-01"));
    assertThat(s.get("quoted"), is("42"));
    assertThat(s.get("tagged"), is("42"));
    assertThat(
        s.keySet(),
        is(
            new java.util.LinkedHashSet<>(
                List.of(
                    "on", "i", "neg", "big", "hex", "f", "e", "t", "n", "empty", "date", "quoted",
                    "tagged"))));
  }

  @Test
  void validationProblemsSayWhereTheKeyIsWrittenAlsoInAProfile() throws Exception {
    Path f =
        write(
            """
        default:
          source: {plugin: csv, options: {path: in.csv, on_validation_failure: discard}}
          sinks:
            out: {plugin: csv, options: {path: a.csv, delimter: ";"}}
        profiles:
          prod:
            sinks:
              out: {options: {path: b.csv, mode: sometimes}}
        """);
    SettingsValidator validator =
        new SettingsValidator(io.elspeth.pipelines.plugins.PluginRegistry.builtIn());
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> validator.validate(f, SettingsLoader.load(f, "prod", Map.of())));
    assertThat(
        e.getMessage(),
        allOf(
            containsString("sinks.out.options.delimter: unknown option"),
            containsString("(line 4, column 47)"),
            containsString("sinks.out.options.mode: "),
            containsString("(line 8, column 36)")));
  }
}
