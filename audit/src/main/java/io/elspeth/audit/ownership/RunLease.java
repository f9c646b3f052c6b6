package io.elspeth.audit.ownership;

import java.time.Duration;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Who owns a run: the process that started it (owner id, host, pid and the process's start time, so
 * a reused pid is not mistaken for the owner) and when it last said it was alive.
 */
public record RunLease(
    String runId,
    String ownerId,
    String host,
    long pid,
    @Nullable Long processStartedMs,
    long acquiredMs,
    long heartbeatMs,
    @Nullable Long releasedMs) {

  /** How often a running launcher renews its lease. */
  public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(2);

  /** A lease held on another host counts as dead this long after its last heartbeat. */
  public static final Duration STALE_AFTER = Duration.ofSeconds(20);

  /**
   * Whether the owner may still be working. On this host the process table decides at once (the pid
   * with the recorded start time exists); on another host, a heartbeat younger than {@link
   * #STALE_AFTER}.
   */
  public boolean isLive(long nowMs) {
    if (releasedMs != null) {
      return false;
    }
    if (host.equals(RunLeases.localHost())) {
      Optional<ProcessHandle> p = ProcessHandle.of(pid);
      if (p.isEmpty() || !p.get().isAlive()) {
        return false;
      }
      Long started = p.get().info().startInstant().map(i -> i.toEpochMilli()).orElse(null);
      return processStartedMs == null
          || started == null
          || Math.abs(started - processStartedMs) < 2_000;
    }
    return nowMs - heartbeatMs < STALE_AFTER.toMillis();
  }

  /** Names the owner for messages: {@code pid 123 on host h (owner o)}. */
  public String describe() {
    return "pid " + pid + " on host " + host + " (owner " + ownerId + ")";
  }
}
