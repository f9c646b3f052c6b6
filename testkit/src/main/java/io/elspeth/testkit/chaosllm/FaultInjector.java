package io.elspeth.testkit.chaosllm;

import io.elspeth.testkit.chaosllm.ChaosConfig.ErrorInjection;
import io.elspeth.testkit.chaosllm.ChaosConfig.Range;
import java.util.Random;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Decides each request's fate from the configured percentages. One seeded {@link Random} drives
 * every choice, so the same seed and the same sequence of requests give the same faults, delays and
 * Retry-After values. Bursts are timed from the injector's creation (server start or reset).
 */
final class FaultInjector {

  /** One request's fate: no fault ({@code kind == null}) or a fault with its timings. */
  record Fault(@Nullable FaultKind kind, double delaySec, double stallSec, int retryAfterSec) {
    static final Fault NONE = new Fault(null, 0, 0, 0);
  }

  private final ErrorInjection config;
  private final Random random;
  private final long startNanos = System.nanoTime();

  FaultInjector(ErrorInjection config, Random random) {
    this.config = config;
    this.random = random;
  }

  /** Whether the periodic burst of 429/529 is on now. */
  boolean inBurst() {
    if (!config.burst().enabled()) {
      return false;
    }
    double elapsedSec = (System.nanoTime() - startNanos) / 1e9;
    return elapsedSec % config.burst().intervalSec() < config.burst().durationSec();
  }

  synchronized Fault decide() {
    boolean burst = inBurst();
    if ("weighted".equals(config.selectionMode())) {
      return weighted(burst);
    }
    for (FaultKind kind : FaultKind.values()) {
      double pct = pct(kind, burst);
      // Kinds at 0% draw nothing, so adding a kind at 0 leaves a seeded sequence unchanged.
      if (pct > 0 && random.nextDouble() * 100 < pct) {
        return fault(kind);
      }
    }
    return Fault.NONE;
  }

  /** Base latency plus uniform jitter in {@code [-jitter, +jitter]}, never negative. */
  synchronized long latencyMs(ChaosConfig.Latency latency) {
    if (latency.jitterMs() == 0) {
      return latency.baseMs();
    }
    long jitter = random.nextInt(2 * latency.jitterMs() + 1) - latency.jitterMs();
    return Math.max(0, latency.baseMs() + jitter);
  }

  /**
   * One draw places the request on a 0–100 line where each kind owns a segment as wide as its
   * percentage (scaled down when they add up to more than 100); the rest of the line is success.
   */
  private Fault weighted(boolean burst) {
    double total = 0;
    for (FaultKind kind : FaultKind.values()) {
      total += pct(kind, burst);
    }
    if (total <= 0) {
      return Fault.NONE;
    }
    double scale = total > 100 ? 100 / total : 1;
    double roll = random.nextDouble() * 100;
    double cumulative = 0;
    for (FaultKind kind : FaultKind.values()) {
      cumulative += pct(kind, burst) * scale;
      if (roll < cumulative) {
        return fault(kind);
      }
    }
    return Fault.NONE;
  }

  private double pct(FaultKind kind, boolean burst) {
    if (burst && kind == FaultKind.RATE_LIMIT) {
      return config.burst().rateLimitPct();
    }
    if (burst && kind == FaultKind.CAPACITY_529) {
      return config.burst().capacityPct();
    }
    return config.pct(kind);
  }

  private Fault fault(FaultKind kind) {
    return switch (kind) {
      case RATE_LIMIT, CAPACITY_529 -> new Fault(kind, 0, 0, retryAfter(config.retryAfterSec()));
      case TIMEOUT -> new Fault(kind, seconds(config.timeoutSec()), 0, 0);
      case CONNECTION_FAILED -> new Fault(kind, seconds(config.connectionFailedLeadSec()), 0, 0);
      case CONNECTION_STALL ->
          new Fault(
              kind,
              seconds(config.connectionStallStartSec()),
              seconds(config.connectionStallSec()),
              0);
      case SLOW_RESPONSE -> new Fault(kind, seconds(config.slowResponseSec()), 0, 0);
      default -> new Fault(kind, 0, 0, 0);
    };
  }

  private double seconds(Range range) {
    return range.min() + random.nextDouble() * (range.max() - range.min());
  }

  private int retryAfter(Range range) {
    int min = (int) Math.ceil(range.min());
    int max = Math.max(min, (int) Math.floor(range.max()));
    return min + random.nextInt(max - min + 1);
  }
}
