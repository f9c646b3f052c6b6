package io.elspeth.audit.ownership;

import io.elspeth.audit.schema.ExtensionTables;
import io.elspeth.audit.store.LandscapeStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run leases in the Landscape: a launcher takes one for its run before any row moves, renews it
 * every {@link RunLease#HEARTBEAT_INTERVAL} while the run works, and releases it when the run ends.
 * A run still {@code running} whose lease is not live was interrupted (its process died).
 */
public final class RunLeases {
  private static final Logger LOG = LoggerFactory.getLogger(RunLeases.class);
  private static final String TABLE = ExtensionTables.RUN_LEASES;
  private static final String COLUMNS =
      "run_id, owner_id, host, pid, process_started_ms,"
          + " acquired_ms, heartbeat_ms, released_ms";
  private static volatile @Nullable String localHost;

  private RunLeases() {}

  /** This machine's name as leases record it. */
  public static String localHost() {
    String h = localHost;
    if (h == null) {
      try {
        h = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        h = "localhost";
      }
      localHost = h;
    }
    return h;
  }

  /** A new lease of {@code runId} for this process, inserted on {@code c} (the caller commits). */
  public static RunLease insert(Connection c, String runId) throws SQLException {
    ProcessHandle self = ProcessHandle.current();
    long now = System.currentTimeMillis();
    RunLease lease =
        new RunLease(
            runId,
            UUID.randomUUID().toString(),
            localHost(),
            self.pid(),
            self.info().startInstant().map(i -> i.toEpochMilli()).orElse(null),
            now,
            now,
            null);
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO " + TABLE + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, lease.runId());
      ps.setString(2, lease.ownerId());
      ps.setString(3, lease.host());
      ps.setLong(4, lease.pid());
      if (lease.processStartedMs() == null) {
        ps.setNull(5, Types.BIGINT);
      } else {
        ps.setLong(5, lease.processStartedMs());
      }
      ps.setLong(6, now);
      ps.setLong(7, now);
      ps.setNull(8, Types.BIGINT);
      ps.executeUpdate();
    }
    return lease;
  }

  /**
   * The status to show for a run: its recorded status, but {@code interrupted} for a run recorded
   * as running whose owner is gone (its process died; {@code elspeth resume} may take it over).
   */
  public static String displayStatus(Connection c, String runId, String recordedStatus, long nowMs)
      throws SQLException {
    if (!"running".equals(recordedStatus)) {
      return recordedStatus;
    }
    Optional<RunLease> lease = of(c, runId);
    return lease.isPresent() && !lease.get().isLive(nowMs) ? "interrupted" : recordedStatus;
  }

  /** The lease of {@code runId}, if it ever had one (runs from before leases have none). */
  public static Optional<RunLease> of(Connection c, String runId) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE run_id = ?")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        long started = rs.getLong(5);
        Long processStarted = rs.wasNull() ? null : started;
        long released = rs.getLong(8);
        Long releasedMs = rs.wasNull() ? null : released;
        return Optional.of(
            new RunLease(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getLong(4),
                processStarted,
                rs.getLong(6),
                rs.getLong(7),
                releasedMs));
      }
    }
  }

  /**
   * Renews {@code lease} every heartbeat interval until the returned handle is closed, which also
   * releases the lease. A failed renewal is logged: the run goes on, and its lease looks stale to
   * other hosts only after {@link RunLease#STALE_AFTER}.
   */
  public static AutoCloseable keepAlive(LandscapeStore store, RunLease lease) {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "elspeth-lease-" + lease.runId());
              t.setDaemon(true);
              return t;
            });
    long every = RunLease.HEARTBEAT_INTERVAL.toMillis();
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            update(store, lease, "heartbeat_ms");
          } catch (RuntimeException e) {
            LOG.warn(
                "run lease heartbeat failed run_id={} error={}", lease.runId(), e.getMessage());
          }
        },
        every,
        every,
        TimeUnit.MILLISECONDS);
    return () -> {
      timer.shutdownNow();
      try {
        update(store, lease, "released_ms");
      } catch (RuntimeException e) {
        LOG.warn("run lease release failed run_id={} error={}", lease.runId(), e.getMessage());
      }
    };
  }

  private static void update(LandscapeStore store, RunLease lease, String column) {
    store.inTransaction(
        "renew the lease of run " + lease.runId(),
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE "
                      + TABLE
                      + " SET "
                      + column
                      + " = ? WHERE run_id = ? AND owner_id = ?")) {
            ps.setLong(1, System.currentTimeMillis());
            ps.setString(2, lease.runId());
            ps.setString(3, lease.ownerId());
            return ps.executeUpdate();
          }
        });
  }
}
