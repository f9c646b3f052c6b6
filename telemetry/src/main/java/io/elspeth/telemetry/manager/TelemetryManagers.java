package io.elspeth.telemetry.manager;

import io.elspeth.telemetry.config.ExporterSettings;
import io.elspeth.telemetry.config.TelemetrySettings;
import io.elspeth.telemetry.exporter.Exporters;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.health.LastResortChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-JVM registry of managers, one per run, reference counted: every user (the launcher, each
 * DoFn instance from {@code @Setup} to {@code @Teardown}) acquires it and releases it; the last
 * release closes it. A runner that executes in the launcher's JVM therefore shares one manager, one
 * queue and one FIFO order with the launcher's lifecycle events.
 */
public final class TelemetryManagers {
  private record Entry(TelemetryManager manager, int users) {}

  private static final Map<String, Entry> MANAGERS = new HashMap<>();

  /**
   * Queue capacity of a run's manager. ELSPETH's fixed 1000 suits its engine, which emits one row's
   * events at a time; here the Landscape commit emits a whole transaction's events at once (up to
   * {@code landscape.commit_batch_size}, 5000 records, each commit thread), and with 1000 the
   * commit threads waited on every burst while the export thread drained it. 10,000 events (a few
   * MB) hold two such bursts; the queue stays bounded and backpressure still applies.
   */
  static final int RUN_QUEUE_CAPACITY = 10_000;

  private TelemetryManagers() {}

  /** The run's manager in this JVM, created from {@code settings} by the first caller. */
  public static synchronized TelemetryManager acquire(String runId, TelemetrySettings settings) {
    return acquire(runId, () -> create(runId, settings));
  }

  /**
   * The run's manager in this JVM, made by {@code factory} for the first caller (tests give their
   * own).
   */
  public static synchronized TelemetryManager acquire(
      String runId, java.util.function.Supplier<TelemetryManager> factory) {
    Entry e = MANAGERS.get(runId);
    TelemetryManager m = e == null ? factory.get() : e.manager();
    MANAGERS.put(runId, new Entry(m, e == null ? 1 : e.users() + 1));
    return m;
  }

  /**
   * The run's manager if a step or the launcher of this JVM holds one, without taking a reference:
   * for audit written outside the Landscape commit (a failed operation's trail).
   */
  public static synchronized java.util.Optional<TelemetryManager> find(String runId) {
    Entry e = MANAGERS.get(runId);
    return e == null ? java.util.Optional.empty() : java.util.Optional.of(e.manager());
  }

  /** Gives back one reference; the last one closes the manager (flushing what is queued). */
  public static void release(String runId) {
    TelemetryManager toClose = null;
    synchronized (TelemetryManagers.class) {
      Entry e = MANAGERS.get(runId);
      if (e == null) {
        throw new IllegalStateException(
            "telemetry manager of run " + runId + " released more often than acquired");
      }
      if (e.users() == 1) {
        MANAGERS.remove(runId);
        toClose = e.manager();
      } else {
        MANAGERS.put(runId, new Entry(e.manager(), e.users() - 1));
      }
    }
    if (toClose != null) {
      toClose.close();
    }
  }

  /** A manager built from settings (disabled settings give one that emits nothing). */
  public static TelemetryManager create(String runId, TelemetrySettings settings) {
    if (!settings.enabled()) {
      return TelemetryManager.disabled(runId);
    }
    List<TelemetryExporter> exporters = new ArrayList<>();
    for (ExporterSettings s : settings.exporters()) {
      exporters.add(Exporters.create(s));
    }
    return TelemetryManager.builder(runId)
        .granularity(settings.granularity())
        .backpressure(settings.backpressureMode())
        .failOnTotalExporterFailure(settings.failOnTotalExporterFailure())
        .maxConsecutiveFailures(settings.maxConsecutiveFailures())
        .exporters(exporters)
        .maxInFlight(settings.maxInFlight())
        .capacity(RUN_QUEUE_CAPACITY)
        .lastResort(
            LastResortChannel.stderr(
                settings.healthFile() == null ? null : Path.of(settings.healthFile())))
        .build();
  }
}
