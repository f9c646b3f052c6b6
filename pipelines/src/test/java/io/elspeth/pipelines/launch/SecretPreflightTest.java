package io.elspeth.pipelines.launch;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsException;
import io.elspeth.pipelines.settings.SettingsLoader;
import io.elspeth.pipelines.settings.SettingsValidator;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretPreflightTest {
  @TempDir Path dir;

  private PipelineSettings withSecret() throws Exception {
    Files.writeString(dir.resolve("in.csv"), "id\n1\n");
    Path f = dir.resolve("s.yaml");
    Files.writeString(
        f,
        """
        source: {plugin: csv, options: {path: %s, on_validation_failure: discard}}
        sinks: {out: {plugin: csv, options: {path: %s}}}
        telemetry:
          enabled: true
          exporters:
            - name: otlp
              options: {endpoint: "http://127.0.0.1:1/v1/traces", protocol: http/protobuf,
                        headers: {Authorization: "Bearer super-secret-token"}}
        """
            .formatted(dir.resolve("in.csv"), dir.resolve("out.csv")));
    return new SettingsValidator(PluginRegistry.builtIn())
        .validate(f, SettingsLoader.load(f, null, Map.of()));
  }

  @Test
  void aSecretWithoutAFingerprintKeyFailsClosedNamingTheKeyNotTheValue() throws Exception {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> RunPreflight.preflight(withSecret(), new SecretFingerprinter(null), false));
    assertThat(
        e.getMessage(),
        containsString(
            "Authorization: a secret is configured but" + " ELSPETH_FINGERPRINT_KEY is not set"));
    assertThat(e.getMessage(), not(containsString("super-secret-token")));
  }

  private PipelineSettings databaseSinkWithUpsertKey() throws Exception {
    Files.writeString(dir.resolve("in.csv"), "id\n1\n");
    Path f = dir.resolve("db.yaml");
    Files.writeString(
        f,
        """
        source: {plugin: csv, options: {path: %s, on_validation_failure: discard}}
        sinks:
          out: {plugin: database, options: {url: "sqlite:///%s", table: people, upsert_key: id}}
        """
            .formatted(dir.resolve("in.csv"), dir.resolve("out.db")));
    return new SettingsValidator(PluginRegistry.builtIn())
        .validate(f, SettingsLoader.load(f, null, Map.of()));
  }

  /** upsert_key ends in _key but the database sink declares it a column list, not a secret. */
  @Test
  void anOptionDeclaredAsAColumnListIsNotASecretWhateverItsName() throws Exception {
    PipelineSettings s = databaseSinkWithUpsertKey();
    assertDoesNotThrow(() -> RunPreflight.preflight(s, new SecretFingerprinter(null), false));
    PipelinePlan plan = PipelinePlan.of("run", s, new SecretFingerprinter("k"));
    assertThat(plan.sinks().get("out").auditConfig().toString(), containsString("upsert_key=id"));
    assertThat(
        plan.sinks().get("out").auditConfig().toString(),
        not(containsString("upsert_key_fingerprint")));
  }

  /** A built-in option whose name looks secret is declared SECRET, or is one of these. */
  @Test
  void everyBuiltInOptionNamedLikeASecretIsDeclaredASecretOrKnownPlain() {
    Set<String> knownPlain = Set.of("upsert_key", "data_key");
    for (PluginDescriptor d : PluginRegistry.builtIn().all()) {
      for (OptionSpec o : d.options()) {
        if (SecretFingerprinter.isSecretKey(o.name()) && o.type() != OptionType.SECRET) {
          assertThat(d.name() + "." + o.name(), knownPlain.contains(o.name()), is(true));
        }
      }
    }
  }

  @Test
  void aKeyOrDevelopmentModeLetsTheRunStart() throws Exception {
    PipelineSettings s = withSecret();
    assertDoesNotThrow(() -> RunPreflight.preflight(s, new SecretFingerprinter("k"), false));
    assertDoesNotThrow(() -> RunPreflight.preflight(s, new SecretFingerprinter(null), true));
  }
}
