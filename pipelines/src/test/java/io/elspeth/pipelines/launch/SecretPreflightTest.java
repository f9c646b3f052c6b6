package io.elspeth.pipelines.launch;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsException;
import io.elspeth.pipelines.settings.SettingsLoader;
import io.elspeth.pipelines.settings.SettingsValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretPreflightTest {
  @TempDir
  Path dir;

  private PipelineSettings withSecret() throws Exception {
    Files.writeString(dir.resolve("in.csv"), "id\n1\n");
    Path f = dir.resolve("s.yaml");
    Files.writeString(f, """
        source: {plugin: csv, options: {path: %s, on_validation_failure: discard}}
        sinks: {out: {plugin: csv, options: {path: %s}}}
        telemetry:
          enabled: true
          exporters:
            - name: otlp
              options: {endpoint: "http://127.0.0.1:1/v1/traces", protocol: http/protobuf,
                        headers: {Authorization: "Bearer super-secret-token"}}
        """.formatted(dir.resolve("in.csv"), dir.resolve("out.csv")));
    return new SettingsValidator(PluginRegistry.builtIn()).validate(f,
        SettingsLoader.load(f, null, Map.of()));
  }

  @Test
  void aSecretWithoutAFingerprintKeyFailsClosedNamingTheKeyNotTheValue() throws Exception {
    SettingsException e = assertThrows(SettingsException.class, () -> RunLauncher.preflight(
        withSecret(), new SecretFingerprinter(null), false));
    assertThat(e.getMessage(), containsString("Authorization: a secret is configured but"
        + " ELSPETH_FINGERPRINT_KEY is not set"));
    assertThat(e.getMessage(), not(containsString("super-secret-token")));
  }

  @Test
  void aKeyOrDevelopmentModeLetsTheRunStart() throws Exception {
    PipelineSettings s = withSecret();
    assertDoesNotThrow(() -> RunLauncher.preflight(s, new SecretFingerprinter("k"), false));
    assertDoesNotThrow(() -> RunLauncher.preflight(s, new SecretFingerprinter(null), true));
  }
}
