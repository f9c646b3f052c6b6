package io.elspeth.pipelines.settings;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {
  @TempDir Path dir;

  private Path write(String yaml) throws Exception {
    Path f = dir.resolve("settings.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  @SuppressWarnings("unchecked")
  void substitutesVariablesAndDefaults() throws Exception {
    Path f = write("a: ${NAME}\nb: \"${MISSING:-fallback}/x\"\nc: [\"${NAME}-1\"]\nd: 5\n");
    Map<String, Object> s = SettingsLoader.load(f, null, Map.of("NAME", "ada"));
    assertThat(s.get("a"), is("ada"));
    assertThat(s.get("b"), is("fallback/x"));
    assertThat(((java.util.List<Object>) s.get("c")).get(0), is("ada-1"));
    assertThat(s.get("d"), is(5L));
  }

  @Test
  void anUnsetVariableNamesItsKey() throws Exception {
    Path f = write("landscape:\n  url: ${DB_URL}\n");
    SettingsException e =
        assertThrows(SettingsException.class, () -> SettingsLoader.load(f, null, Map.of()));
    assertThat(
        e.getMessage(), containsString("landscape.url: environment variable DB_URL is not set"));
  }

  @Test
  void readsDotEnvBesideTheSettingsWithTheEnvironmentWinning() throws Exception {
    Files.writeString(dir.resolve(".env"), "# comment\nexport FROM_FILE=\"file value\"\n");
    Path f = write("a: ${FROM_FILE}\n");
    assertThat(SettingsLoader.load(f, null).get("a"), is("file value"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void appliesAProfileOverTheDefaults() throws Exception {
    Path f =
        write(
            """
        default:
          landscape: {url: "sqlite:///a.db"}
          sinks: {out: {plugin: csv, options: {path: a.csv}}}
        profiles:
          prod:
            sinks: {out: {options: {path: b.csv}}}
        """);
    Map<String, Object> s = SettingsLoader.load(f, "prod", Map.of());
    Map<String, Object> out =
        (Map<String, Object>) ((Map<String, Object>) s.get("sinks")).get("out");
    assertThat(out.get("plugin"), is("csv"));
    assertThat(((Map<String, Object>) out.get("options")).get("path"), is("b.csv"));
    SettingsException e =
        assertThrows(SettingsException.class, () -> SettingsLoader.load(f, "nope", Map.of()));
    assertThat(e.getMessage(), containsString("profiles.nope: no such profile"));
  }

  @Test
  void aFileThatIsNotAMappingIsRefused() throws Exception {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> SettingsLoader.load(write("- just\n- a list\n"), null, Map.of()));
    assertThat(e.getMessage(), containsString("expected a mapping"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> options(Map<String, Object> settings, String section) {
    return (Map<String, Object>)
        ((Map<String, Object>) ((java.util.List<Object>) settings.get(section)).get(0))
            .get("options");
  }

  @Test
  void pluginFilesResolveFromTheSettingsFolderKeepingTheWrittenPathAsTheSource() throws Exception {
    Path absolute = dir.resolve("elsewhere/system.txt").toAbsolutePath();
    Path f =
        write(
            "transforms:\n  - plugin: azure_llm\n    options:\n"
                + "      template_file: prompts/t.j2\n      lookup_file: ../l.yaml\n"
                + "      lookup_source: audited-name\n      system_prompt_file: "
                + absolute
                + "\n"
                + "aggregations:\n  - plugin: openrouter_batch_llm\n    options: {template_file: b.j2}\n"
                + "source: {plugin: csv, options: {path: in.csv}}\n");
    Map<String, Object> s = SettingsLoader.load(f, null, Map.of());
    Map<String, Object> o = options(s, "transforms");
    assertThat(o.get("template_file"), is(dir.resolve("prompts/t.j2").toString()));
    assertThat(o.get("template_source"), is("prompts/t.j2"));
    assertThat(o.get("lookup_file"), is(dir.getParent().resolve("l.yaml").toString()));
    assertThat("a source the user gave is kept", o.get("lookup_source"), is("audited-name"));
    assertThat(
        "absolute paths are left as they are",
        o.get("system_prompt_file"),
        is(absolute.toString()));
    assertThat(o.containsKey("system_prompt_source"), is(false));
    assertThat(options(s, "aggregations").get("template_file"), is(dir.resolve("b.j2").toString()));
    assertThat(
        "source paths stay relative to the working directory, as in ELSPETH",
        ((Map<String, Object>) ((Map<String, Object>) s.get("source")).get("options")).get("path"),
        is("in.csv"));
  }

  @Test
  void openRouterPluginsWithoutABaseUrlTakeOpenRouterBaseUrlFromTheEnvironment() throws Exception {
    Path f =
        write(
            "transforms:\n"
                + "  - {plugin: openrouter_llm, options: {model: m}}\n"
                + "  - {plugin: openrouter_llm, options: {base_url: \"https://given/api/v1\"}}\n"
                + "  - {plugin: azure_llm, options: {endpoint: \"https://azure\"}}\n"
                + "  - {plugin: llm, options: {provider: openrouter}}\n"
                + "aggregations:\n  - {plugin: openrouter_batch_llm, options: {model: m}}\n");
    Map<String, Object> s =
        SettingsLoader.load(f, null, Map.of("OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1"));
    @SuppressWarnings("unchecked")
    java.util.List<Map<String, Object>> t =
        (java.util.List<Map<String, Object>>) s.get("transforms");
    assertThat(
        ((Map<?, ?>) t.get(0).get("options")).get("base_url"), is("http://127.0.0.1:9/api/v1"));
    assertThat(
        "an explicit base_url wins",
        ((Map<?, ?>) t.get(1).get("options")).get("base_url"),
        is("https://given/api/v1"));
    assertThat(((Map<?, ?>) t.get(2).get("options")).containsKey("base_url"), is(false));
    assertThat(
        ((Map<?, ?>) t.get(3).get("options")).get("base_url"), is("http://127.0.0.1:9/api/v1"));
    assertThat(options(s, "aggregations").get("base_url"), is("http://127.0.0.1:9/api/v1"));
    assertThat(
        "unset: the plugin's own default applies",
        options(SettingsLoader.load(f, null, Map.of()), "aggregations").containsKey("base_url"),
        is(false));
  }
}
