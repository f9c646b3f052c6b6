package io.elspeth.telemetry.exporter;

import io.elspeth.telemetry.event.TelemetryEvent;
import java.util.List;

/**
 * A telemetry backend. The manager calls {@link #export} from its single export thread only, in
 * FIFO order, with batches of events. Export is synchronous: when it returns, the batch has been
 * delivered or has failed, and a failure is reported as a value (never swallowed), so the
 * manager's failure counters mean what they say. {@link #close} is idempotent.
 */
public interface TelemetryExporter {
  /** The name used in settings ({@code telemetry.exporters[].name}). */
  String name();

  /** Delivers the batch; must not throw for backend problems (report them in the result). */
  ExportResult export(List<TelemetryEvent> batch);

  /** Releases resources; safe to call more than once. */
  void close();
}
