package io.elspeth.testkit.chaosllm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChaosConfigTest {

  @Test
  void defaultsAreQuiet() {
    ChaosConfig config = ChaosConfig.defaults();
    for (FaultKind kind : FaultKind.values()) {
      assertThat(kind.key(), config.errorInjection().pct(kind), is(0.0));
    }
    assertThat(config.latency().baseMs(), is(0));
    assertThat(config.server().port(), is(0));
    assertThat(config.response().mode(), is(ChaosConfig.ResponseMode.RANDOM));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"silent", "gentle", "realistic", "chaos", "stress_aimd", "stress_extreme"})
  void everyPresetLoadsAndNamesItself(String name) {
    assertThat(ChaosConfig.preset(name).presetName(), is(name));
  }

  @Test
  void presetsCarryTheReferenceRates() {
    assertThat(ChaosConfig.preset("silent").errorInjection().rateLimitPct(), is(0.0));
    assertThat(ChaosConfig.preset("gentle").errorInjection().rateLimitPct(), is(1.0));
    assertThat(ChaosConfig.preset("realistic").latency().baseMs(), is(100));
    assertThat(ChaosConfig.preset("chaos").errorInjection().connectionResetPct(), is(0.9375));
    ChaosConfig aimd = ChaosConfig.preset("stress_aimd");
    assertThat(aimd.errorInjection().rateLimitPct(), is(15.0));
    assertThat(aimd.errorInjection().burst().enabled(), is(true));
    assertThat(aimd.errorInjection().burst().rateLimitPct(), is(80.0));
    assertThat(ChaosConfig.preset("stress_extreme").errorInjection().capacity529Pct(), is(10.0));
  }

  @Test
  void unknownPresetNamesTheAvailableOnes() {
    ChaosConfigException e =
        assertThrows(ChaosConfigException.class, () -> ChaosConfig.preset("wild"));
    assertThat(e.getMessage(), allOf(containsString("wild"), containsString("stress_aimd")));
  }

  @Test
  void referenceYamlLoadsOverAPresetWithOverridesOnTop(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("chaos.yaml");
    Files.writeString(
        file,
        """
        server: {host: 127.0.0.1, port: 9000, workers: 4}
        metrics: {database: ./chaosllm-metrics.db, timeseries_bucket_sec: 1}
        response:
          mode: template
          template: {body: '{"label": "{{ user_message }}"}'}
        error_injection:
          rate_limit_pct: 12.5
          retry_after_sec: [2, 3]
        """);
    ChaosConfig config =
        ChaosConfig.load("gentle", file, Map.of("error_injection", Map.of("timeout_pct", 1)));
    assertThat(config.server().port(), is(9000));
    assertThat(config.response().mode(), is(ChaosConfig.ResponseMode.TEMPLATE));
    assertThat(config.errorInjection().rateLimitPct(), is(12.5));
    assertThat(config.errorInjection().retryAfterSec(), is(new ChaosConfig.Range(2, 3)));
    assertThat("from the preset", config.errorInjection().capacity529Pct(), is(0.5));
    assertThat("from the overrides", config.errorInjection().timeoutPct(), is(1.0));
  }

  @Test
  void unknownKeyNamesFileAndKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "error_injection:\n  rate_limit_percent: 5\n");
    ChaosConfigException e =
        assertThrows(ChaosConfigException.class, () -> ChaosConfig.fromYaml(file));
    assertThat(
        e.getMessage(),
        allOf(containsString(file.toString()), containsString("rate_limit_percent")));
  }

  @Test
  void outOfRangeValuesAreRejectedWithTheKey() {
    ChaosConfigException pct =
        assertThrows(
            ChaosConfigException.class,
            () -> ChaosConfig.builder().fault(FaultKind.TRUNCATED, 150).build());
    assertThat(pct.getMessage(), containsString("error_injection.truncated_pct must be 0..100"));
    ChaosConfigException mode =
        assertThrows(
            ChaosConfigException.class,
            () -> ChaosConfig.builder().set("response.mode", "poetry").build());
    assertThat(mode.getMessage(), containsString("random|template|echo|preset"));
    ChaosConfigException range =
        assertThrows(
            ChaosConfigException.class, () -> ChaosConfig.builder().timeoutSec(5, 1).build());
    assertThat(range.getMessage(), containsString("timeout_sec"));
  }

  @Test
  void missingPresetBankIsAConfigErrorAtStart(@TempDir Path dir) {
    ChaosConfig config =
        ChaosConfig.builder().presetBank(dir.resolve("absent.jsonl"), "random").build();
    ChaosConfigException e =
        assertThrows(ChaosConfigException.class, () -> ChaosLlmServer.start(config).close());
    assertThat(e.getMessage(), containsString("absent.jsonl"));
  }

  @Test
  void builderRoundTripsThroughTheTree() {
    ChaosConfig config = ChaosConfig.preset("chaos").toBuilder().seed(3).port(0).build();
    assertThat(config.toBuilder().build(), is(config));
    assertThat(config.seed(), is(3L));
  }
}
