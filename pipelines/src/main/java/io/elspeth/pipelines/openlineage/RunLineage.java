package io.elspeth.pipelines.openlineage;

import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.settings.LineageSettings;
import io.elspeth.pipelines.settings.PipelineSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenLineage events of the runs one launch records (the run, and the run it resumes when that
 * one is found interrupted), emitted each after the Landscape write it reports committed. Nothing
 * here can fail a run: a failure to name a dataset or read a count is logged and the event goes
 * without it.
 */
public final class RunLineage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunLineage.class);

  /** How long the end of a launch waits for queued events. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /** Rows each sink received: its terminal outcomes, through the token_outcomes run index. */
  static final String ROWS_PER_SINK =
      "SELECT sink_name, COUNT(*) FROM token_outcomes"
          + " WHERE run_id = ? AND is_terminal = 1 AND sink_name IS NOT NULL GROUP BY sink_name";

  /** Rows a run has recorded so far, through the (run_id, row_index) key. */
  static final String ROWS_OF_RUN = "SELECT COUNT(*) FROM rows WHERE run_id = ?";

  private final LineageEmitter emitter;
  private final @Nullable RunEvents events;
  private final Duration runningInterval;
  private @Nullable ScheduledExecutorService running;

  RunLineage(LineageEmitter emitter, @Nullable RunEvents events, Duration runningInterval) {
    this.emitter = emitter;
    this.events = events;
    this.runningInterval = runningInterval;
  }

  /** No lineage: every call does nothing. */
  public static RunLineage none() {
    return new RunLineage(LineageEmitter.none(), null, Duration.ofSeconds(60));
  }

  /**
   * The lineage of runs of {@code plan}, per its {@code lineage:} section (none when the section
   * configures no transport); {@code settingsHash} is the hash recorded on the run.
   */
  public static RunLineage open(PipelinePlan plan, String settingsHash) {
    try {
      return openOrThrow(plan, settingsHash);
    } catch (RuntimeException e) {
      // Lineage never fails a run, not even one whose lineage cannot be set up.
      LOG.warn("openlineage disabled for this run: cannot set it up error={}", e.getMessage());
      return none();
    }
  }

  private static RunLineage openOrThrow(PipelinePlan plan, String settingsHash) {
    PipelineSettings settings = plan.settings();
    LineageSettings lineage = settings.lineage();
    if (!lineage.enabled()) {
      return none();
    }
    RunDatasets datasets;
    try {
      datasets = RunDatasets.of(plan);
    } catch (RuntimeException e) {
      LOG.warn("openlineage datasets not named, events carry none error={}", e.getMessage());
      datasets = new RunDatasets(java.util.Optional.empty(), Map.of());
    }
    RunEvents events =
        new RunEvents(
            lineage.namespace(),
            jobName(settings),
            settings.resolved().get("description") instanceof String d ? d : null,
            settingsHash,
            lineage.consoleUrl(),
            datasets);
    return new RunLineage(
        new LineageEmitter(LineageTransport.of(lineage)), events, lineage.runningInterval());
  }

  /** The job's name: the settings' {@code name}, else the settings file's name without suffix. */
  static String jobName(PipelineSettings settings) {
    if (settings.resolved().get("name") instanceof String name && !name.isBlank()) {
      return name;
    }
    String file = settings.file().getFileName().toString();
    int dot = file.lastIndexOf('.');
    return dot > 0 ? file.substring(0, dot) : file;
  }

  /**
   * {@code START} of {@code runId}, once its run and graph records are committed; then, every
   * running interval until {@link #ended}, {@code RUNNING} with the rows {@code store} holds.
   */
  public void started(String runId, LandscapeStore store) {
    if (events == null) {
      return;
    }
    emitter.emit(events.start(runId, Instant.now()));
    running =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "openlineage-running");
              t.setDaemon(true);
              return t;
            });
    long every = runningInterval.toMillis();
    running.scheduleAtFixedRate(
        () -> runningNow(runId, store), every, every, TimeUnit.MILLISECONDS);
  }

  private void runningNow(String runId, LandscapeStore store) {
    try (Connection c = store.connection();
        PreparedStatement ps = c.prepareStatement(ROWS_OF_RUN)) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        running(runId, rs.next() ? rs.getLong(1) : 0);
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warn("openlineage RUNNING event skipped run_id={} error={}", runId, e.getMessage());
    }
  }

  private void stopRunning() {
    if (running != null) {
      running.shutdown(); // cancels the next RUNNING; one being sent finishes first
      try {
        running.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      running = null;
    }
  }

  /** {@code RUNNING} of {@code runId}, with the rows the Landscape has recorded so far. */
  public void running(String runId, long rowsRead) {
    if (events != null) {
      emitter.emit(events.running(runId, Instant.now(), rowsRead));
    }
  }

  /** {@code ABORT} of {@code runId}, once it was recorded as interrupted. */
  public void aborted(String runId) {
    if (events != null) {
      emitter.emit(events.aborted(runId, Instant.now()));
    }
  }

  /**
   * {@code COMPLETE} of {@code runId} (or {@code FAIL} with {@code failure}), once its status is
   * committed: the rows read and the rows each sink received, read from the Landscape.
   */
  public void ended(String runId, LandscapeStore store, @Nullable String failure, long rowsRead) {
    if (events == null) {
      return;
    }
    stopRunning();
    // Null when they cannot be read: the event then carries no output counts, not zeros.
    Map<String, Long> perSink = new LinkedHashMap<>();
    try (Connection c = store.connection();
        PreparedStatement ps = c.prepareStatement(ROWS_PER_SINK)) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          perSink.put(rs.getString(1), rs.getLong(2));
        }
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warn("openlineage output counts not read run_id={} error={}", runId, e.getMessage());
      perSink = null;
    }
    emitter.emit(events.ended(runId, Instant.now(), failure, rowsRead, perSink));
  }

  /** Deliveries that failed so far. */
  public long failures() {
    return emitter.failures();
  }

  @Override
  public void close() {
    stopRunning();
    emitter.close(CLOSE_TIMEOUT);
  }
}
