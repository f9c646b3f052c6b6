package io.elspeth.connectors.client;

import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The settings' {@code rate_limit} section: requests per minute per external service ({@code
 * services.<name>.requests_per_minute}, else {@code default_requests_per_minute}). Limiters are
 * shared by every DoFn instance in the JVM, one per (run, service), so the limit holds for the
 * whole worker, not per thread.
 *
 * @param runId scopes the shared limiters to one run
 */
public record RateLimits(
    boolean enabled, long defaultRequestsPerMinute, Map<String, Long> services, String runId)
    implements Serializable {
  private static final Map<String, Limiter> SHARED = new ConcurrentHashMap<>();

  public RateLimits {
    services = Map.copyOf(services);
  }

  /** No limits: what a pipeline without a {@code rate_limit} section gets. */
  public static RateLimits none() {
    return new RateLimits(false, 60, Map.of(), "");
  }

  /** From a validated {@code rate_limit} section; null means no limits. */
  public static RateLimits from(@Nullable Map<String, Object> section, String runId) {
    if (section == null) {
      return none();
    }
    Map<String, Long> services = new LinkedHashMap<>();
    if (section.get("services") instanceof Map<?, ?> m) {
      m.forEach(
          (name, cfg) -> {
            if (cfg instanceof Map<?, ?> c && c.get("requests_per_minute") instanceof Number n) {
              services.put(name.toString(), n.longValue());
            }
          });
    }
    Object rpm = section.getOrDefault("default_requests_per_minute", 60L);
    return new RateLimits(
        !Boolean.FALSE.equals(section.get("enabled")), ((Number) rpm).longValue(), services, runId);
  }

  /** Problems with a {@code rate_limit.services} mapping, each with its key path. */
  public static java.util.List<String> validateServices(Map<String, Object> services) {
    java.util.List<String> problems = new java.util.ArrayList<>();
    services.forEach(
        (name, cfg) -> {
          Object rpm = cfg instanceof Map<?, ?> c ? c.get("requests_per_minute") : null;
          if (!(rpm instanceof Long || rpm instanceof Integer) || ((Number) rpm).longValue() < 1) {
            problems.add(
                "rate_limit.services."
                    + name
                    + ": expected {requests_per_minute: an integer of 1 or more}");
          }
        });
    return problems;
  }

  /** Blocks until {@code service} may make one more request. */
  public void acquire(String service) throws InterruptedException {
    acquire(service, CallClock.SYSTEM);
  }

  /** As {@link #acquire(String)}, reading and waiting on {@code clock}. */
  public void acquire(String service, CallClock clock) throws InterruptedException {
    if (!enabled) {
      return;
    }
    long rpm = services.getOrDefault(service, defaultRequestsPerMinute);
    if (rpm <= 0) {
      return;
    }
    clock.sleep(
        Duration.ofNanos(
            SHARED.computeIfAbsent(runId + "/" + service, k -> new Limiter(rpm)).reserve(clock)));
  }

  /** Even spacing: one permit every 60/rpm seconds, handed out in arrival order. */
  private static final class Limiter {
    private final long intervalNanos;
    private boolean started;
    private long nextFree;

    Limiter(long requestsPerMinute) {
      this.intervalNanos = 60_000_000_000L / requestsPerMinute;
    }

    /** Takes the next free slot; returns how long the caller waits for it, in nanoseconds. */
    synchronized long reserve(CallClock clock) {
      long now = clock.nanoTime();
      long slot = started ? Math.max(now, nextFree) : now;
      started = true;
      nextFree = slot + intervalNanos;
      return slot - now;
    }
  }
}
