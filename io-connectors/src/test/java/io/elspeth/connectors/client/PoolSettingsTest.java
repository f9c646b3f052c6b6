package io.elspeth.connectors.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.PluginOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolSettingsTest {

  /** The options as validation hands them over: declared defaults filled in. */
  private static PluginOptions options(Map<String, Object> given) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (OptionSpec spec : PoolSettings.options()) {
      values.put(spec.name(), spec.defaultValue());
    }
    values.putAll(given);
    return new PluginOptions(values, null);
  }

  @Test
  void defaultsAreElspethsPoolDefaults() {
    assertThat(
        PoolSettings.from(options(Map.of())), is(new PoolSettings(1, 0, 5000, 2.0, 50, 3600)));
    assertThat(PoolSettings.validate(options(Map.of())), is(empty()));
  }

  @Test
  void givenValuesAreRead() {
    assertThat(
        PoolSettings.from(
            options(
                Map.of(
                    "pool_size",
                    8L,
                    "min_dispatch_delay_ms",
                    10L,
                    "max_dispatch_delay_ms",
                    200L,
                    "backoff_multiplier",
                    1.5,
                    "recovery_step_ms",
                    5L,
                    "max_capacity_retry_seconds",
                    30L))),
        is(new PoolSettings(8, 10, 200, 1.5, 5, 30)));
  }

  @Test
  void eachBadValueIsReportedNamingItsOption() {
    List<String> problems =
        PoolSettings.validate(
            options(
                Map.of(
                    "pool_size",
                    0L,
                    "min_dispatch_delay_ms",
                    100L,
                    "max_dispatch_delay_ms",
                    10L,
                    "backoff_multiplier",
                    0.5,
                    "recovery_step_ms",
                    -1L)));
    assertThat(
        problems.stream().map(p -> p.substring(0, p.indexOf(':'))).toList(),
        containsInAnyOrder(
            "pool_size",
            "max_dispatch_delay_ms",
            "backoff_multiplier",
            "recovery_step_ms, max_capacity_retry_seconds"));
    assertThat(problems.get(0), startsWith("pool_size: expected 1 or more, got 0"));
  }
}
