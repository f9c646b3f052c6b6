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
  @TempDir
  Path dir;

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
    SettingsException e = assertThrows(SettingsException.class,
        () -> SettingsLoader.load(f, null, Map.of()));
    assertThat(e.getMessage(), containsString("landscape.url: environment variable DB_URL is not set"));
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
    Path f = write("""
        default:
          landscape: {url: "sqlite:///a.db"}
          sinks: {out: {plugin: csv, options: {path: a.csv}}}
        profiles:
          prod:
            sinks: {out: {options: {path: b.csv}}}
        """);
    Map<String, Object> s = SettingsLoader.load(f, "prod", Map.of());
    Map<String, Object> out = (Map<String, Object>) ((Map<String, Object>) s.get("sinks")).get("out");
    assertThat(out.get("plugin"), is("csv"));
    assertThat(((Map<String, Object>) out.get("options")).get("path"), is("b.csv"));
    SettingsException e = assertThrows(SettingsException.class,
        () -> SettingsLoader.load(f, "nope", Map.of()));
    assertThat(e.getMessage(), containsString("profiles.nope: no such profile"));
  }

  @Test
  void aFileThatIsNotAMappingIsRefused() throws Exception {
    SettingsException e = assertThrows(SettingsException.class,
        () -> SettingsLoader.load(write("- just\n- a list\n"), null, Map.of()));
    assertThat(e.getMessage(), containsString("expected a mapping"));
  }
}
