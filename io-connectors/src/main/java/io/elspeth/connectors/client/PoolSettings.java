package io.elspeth.connectors.client;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * ELSPETH's pool options of the LLM and Azure AI transforms: up to {@code poolSize} rows in flight
 * per DoFn instance, and the AIMD dispatch delay (multiplied on a capacity error, shrunk by a step
 * on success, kept within its bounds); a call keeps retrying capacity errors for up to {@code
 * maxCapacityRetrySeconds}.
 */
public record PoolSettings(
    int poolSize,
    long minDispatchDelayMs,
    long maxDispatchDelayMs,
    double backoffMultiplier,
    long recoveryStepMs,
    long maxCapacityRetrySeconds)
    implements Serializable {

  /** The pool options every external-call transform accepts, with ELSPETH's defaults. */
  public static List<OptionSpec> options() {
    return List.of(
        OptionSpec.optional("pool_size", OptionType.INT, 1L, "rows in flight per worker"),
        OptionSpec.optional(
            "min_dispatch_delay_ms", OptionType.INT, 0L, "smallest delay between dispatches"),
        OptionSpec.optional(
            "max_dispatch_delay_ms", OptionType.INT, 5000L, "largest delay between dispatches"),
        OptionSpec.optional(
            "backoff_multiplier",
            OptionType.NUMBER,
            2.0,
            "delay growth on a capacity error (429/503)"),
        OptionSpec.optional(
            "recovery_step_ms", OptionType.INT, 50L, "delay shrink on each success"),
        OptionSpec.optional(
            "max_capacity_retry_seconds",
            OptionType.INT,
            3600L,
            "how long one call keeps retrying capacity errors"));
  }

  public static PoolSettings from(PluginOptions o) {
    return new PoolSettings(
        (int) o.integer("pool_size", 1),
        o.integer("min_dispatch_delay_ms", 0),
        o.integer("max_dispatch_delay_ms", 5000),
        o.asMap().get("backoff_multiplier") instanceof Number n ? n.doubleValue() : 2.0,
        o.integer("recovery_step_ms", 50),
        o.integer("max_capacity_retry_seconds", 3600));
  }

  /** Problems with the values, each naming its option. */
  public static List<String> validate(PluginOptions o) {
    List<String> problems = new ArrayList<>();
    PoolSettings p = from(o);
    if (p.poolSize < 1) {
      problems.add("pool_size: expected 1 or more, got " + p.poolSize);
    }
    if (p.minDispatchDelayMs < 0 || p.maxDispatchDelayMs < p.minDispatchDelayMs) {
      problems.add(
          "max_dispatch_delay_ms: expected 0 <= min_dispatch_delay_ms <="
              + " max_dispatch_delay_ms");
    }
    if (p.backoffMultiplier < 1.0) {
      problems.add("backoff_multiplier: expected 1.0 or more, got " + p.backoffMultiplier);
    }
    if (p.recoveryStepMs < 0 || p.maxCapacityRetrySeconds < 0) {
      problems.add("recovery_step_ms, max_capacity_retry_seconds: expected 0 or more");
    }
    return problems;
  }
}
