package io.elspeth.connectors.plugins;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.elspeth.audit.token.Token;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.testkit.BeamPipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSourcePluginTest {

  private final CsvSourcePlugin plugin = new CsvSourcePlugin();

  @TempDir Path dir;

  private static Map<String, Object> options(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  private OptionsValidator.Result check(Map<String, Object> raw) {
    return OptionsValidator.validate(raw, plugin.options(), "source.options", Set.of("quarantine"));
  }

  private PluginOptions valid(Object... keysAndValues) {
    OptionsValidator.Result result = check(options(keysAndValues));
    assertThat(result.problems(), is(empty()));
    return result.options();
  }

  @Test
  void defaultsAreACommaUtf8AndNoSkippedRows() {
    PluginOptions opts = valid("path", "in.csv", "on_validation_failure", "discard");

    assertThat(opts.string("delimiter"), is(","));
    assertThat(opts.string("encoding"), is("utf-8"));
    assertThat(opts.integer("skip_rows", -1), is(0L));
    assertThat(opts.bool("normalize_fields", true), is(false));
  }

  @Test
  void pathAndOnValidationFailureAreRequired() {
    OptionsValidator.Result result = check(options());

    assertThat(
        result.problems(), hasItem(startsWith("source.options.path: required option missing")));
    assertThat(
        result.problems(),
        hasItem(startsWith("source.options.on_validation_failure: required option missing")));
  }

  @Test
  void onValidationFailureMustNameASink() {
    OptionsValidator.Result result =
        check(options("path", "in.csv", "on_validation_failure", "nowhere"));

    assertThat(result.problems(), contains(containsString("no sink named 'nowhere'")));
  }

  @Test
  void delimiterOfMoreThanOneCharacterIsAProblem() {
    PluginOptions opts =
        valid("path", "in.csv", "on_validation_failure", "discard", "delimiter", ";;");

    assertThat(plugin.validate(opts), contains("delimiter: expected a single character, got ';;'"));
  }

  @Test
  void emptyDelimiterIsAProblem() {
    PluginOptions opts =
        valid("path", "in.csv", "on_validation_failure", "discard", "delimiter", "");

    assertThat(plugin.validate(opts), contains("delimiter: expected a single character, got ''"));
  }

  @Test
  void negativeSkipRowsIsAProblem() {
    PluginOptions opts =
        valid("path", "in.csv", "on_validation_failure", "discard", "skip_rows", -1L);

    assertThat(plugin.validate(opts), contains("skip_rows: expected 0 or more"));
  }

  @Test
  void sizeLimitsDefaultTo10And12MiBAndMayNotPassTheCeiling() {
    PluginOptions defaults = valid("path", "in.csv", "on_validation_failure", "discard");
    assertThat(defaults.integer("max_field_bytes", -1), is(10L << 20));
    assertThat(defaults.integer("max_row_bytes", -1), is(12L << 20));

    PluginOptions opts =
        valid(
            "path",
            "in.csv",
            "on_validation_failure",
            "discard",
            "max_field_bytes",
            20_000_000L,
            "max_row_bytes",
            0L);

    assertThat(
        plugin.validate(opts),
        contains(
            "max_field_bytes: expected 1 to 12582912 (12 MiB), got 20000000",
            "max_row_bytes: expected 1 to 12582912 (12 MiB), got 0"));
  }

  @Test
  void aQuoteCannotBeTheDelimiter() {
    PluginOptions opts =
        valid("path", "in.csv", "on_validation_failure", "discard", "delimiter", "\"");

    assertThat(
        plugin.validate(opts), contains("delimiter: a quote or line break cannot separate fields"));
  }

  @Test
  void singleCharacterDelimiterAndSkipRowsHaveNoProblems() {
    PluginOptions opts =
        valid(
            "path",
            "in.csv",
            "on_validation_failure",
            "discard",
            "delimiter",
            "\t",
            "skip_rows",
            2L);

    assertThat(plugin.validate(opts), is(empty()));
  }

  @Test
  void preflightOfAMissingFileNamesItsPath() {
    Path missing = dir.resolve("nope.csv");
    PluginOptions opts = valid("path", missing.toString(), "on_validation_failure", "discard");

    List<String> problems = plugin.preflight(opts);

    assertThat(problems, hasSize(1));
    assertThat(problems.get(0), containsString("input file not found"));
    assertThat(problems.get(0), containsString(missing.toAbsolutePath().toString()));
  }

  @Test
  void preflightOfADirectoryIsAProblem() {
    PluginOptions opts = valid("path", dir.toString(), "on_validation_failure", "discard");

    assertThat(plugin.preflight(opts), contains(startsWith("path: not a readable file: ")));
  }

  @Test
  void preflightOfAnExistingFileHasNoProblems() throws Exception {
    Path file = Files.writeString(dir.resolve("in.csv"), "id\n1\n");
    PluginOptions opts = valid("path", file.toString(), "on_validation_failure", "discard");

    assertThat(plugin.preflight(opts), is(empty()));
  }

  @Test
  void createdSourceReadsWithTheConfiguredDelimiterSkipRowsColumnsAndSchema() throws Throwable {
    Path file = Files.writeString(dir.resolve("in.csv"), "exported by x\n1;alice\n2;bob\n");
    PluginOptions opts =
        valid(
            "path",
            file.toString(),
            "on_validation_failure",
            "discard",
            "delimiter",
            ";",
            "skip_rows",
            1L,
            "columns",
            List.of("id", "name"),
            "schema",
            options("mode", "strict", "fields", List.of("id: int", "name: str")));
    StepContext ctx = new StepContext("run", "src", "source", 0, Map.of(), "discard");

    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(plugin.create(opts, ctx));

          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    List<Map<String, Object>> rows = new ArrayList<>();
                    List<Token> sorted = new ArrayList<>();
                    tokens.forEach(sorted::add);
                    sorted.sort(Token::compareBySourceOrder);
                    sorted.forEach(t -> rows.add(t.data()));
                    assertThat(
                        rows,
                        contains(
                            options("id", 1L, "name", "alice"), options("id", 2L, "name", "bob")));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }
}
