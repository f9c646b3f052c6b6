package io.elspeth.telemetry.exporter.console;

import io.elspeth.telemetry.event.EventJson;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.exporter.ExporterOptions;
import io.elspeth.telemetry.exporter.TelemetryExporter;
import io.elspeth.telemetry.exporter.UnfinishedExports;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code console}: one line per event, JSON ({@code format: json}, the default) or the pretty form,
 * to {@code output: stdout} (default) or {@code stderr}. A write error is reported as a failed
 * export (PrintStream's error flag), not swallowed. Batches are formatted and written on a thread
 * of the exporter's own, in the order they were handed over, so a slow terminal or pipe holds
 * neither the export thread nor the other exporters; the manager keeps up to {@code max_in_flight}
 * batches waiting on it.
 */
public final class ConsoleExporter implements TelemetryExporter {
  public static final String NAME = "console";
  static final Set<String> OPTIONS = Set.of("format", "output");

  /** How long shutdown waits for the batches still being written. */
  private static final long SHUTDOWN_WAIT_MS = 5_000;

  private final boolean pretty;
  private final PrintStream out;

  /** One thread: lines come out in the order the batches were handed over. */
  private final ExecutorService writer;

  private final UnfinishedExports unfinished = new UnfinishedExports();

  /** The answer of the first shutdown, given again to later calls. */
  private @Nullable CompletableFuture<ExportResult> shutdown; // guarded by this

  ConsoleExporter(boolean pretty, PrintStream out) {
    this.pretty = pretty;
    this.out = out;
    this.writer =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "telemetry-console");
              t.setDaemon(true); // never keeps the JVM alive; shutdown() drains it
              return t;
            });
  }

  /** A console exporter from its settings options; invalid options raise a config error. */
  public static ConsoleExporter fromOptions(Map<String, Object> raw) {
    ExporterOptions o = new ExporterOptions(NAME, raw, OPTIONS);
    ConsoleExporter exporter = parse(o);
    o.check();
    return exporter;
  }

  /** Every problem with these options (empty when valid). */
  public static List<String> validate(Map<String, Object> raw) {
    ExporterOptions o = new ExporterOptions(NAME, raw, OPTIONS);
    parse(o);
    return o.problems();
  }

  private static ConsoleExporter parse(ExporterOptions o) {
    String format = o.choice("format", "json", Set.of("json", "pretty"));
    String output = o.choice("output", "stdout", Set.of("stdout", "stderr"));
    return new ConsoleExporter(
        format.equals("pretty"), output.equals("stderr") ? System.err : System.out);
  }

  /** A console exporter writing to the given stream (tests, embedding). */
  public static ConsoleExporter to(PrintStream stream, boolean pretty) {
    return new ConsoleExporter(pretty, stream);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CompletableFuture<ExportResult> export(List<TelemetryEvent> batch) {
    List<TelemetryEvent> events = List.copyOf(batch);
    try {
      return unfinished.track(
          CompletableFuture.supplyAsync(() -> write(events), writer)
              .exceptionally(t -> ExportResult.failure(t.getCause() != null ? t.getCause() : t)));
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(
          ExportResult.failure("console: the exporter is shut down"));
    }
  }

  /** Completes once the batches handed over so far are written to the stream. */
  @Override
  public CompletableFuture<ExportResult> flush() {
    return unfinished.flush();
  }

  private ExportResult write(List<TelemetryEvent> batch) {
    StringBuilder sb = new StringBuilder();
    for (TelemetryEvent e : batch) {
      sb.append(pretty ? EventJson.pretty(e) : EventJson.line(e)).append(System.lineSeparator());
    }
    out.print(sb);
    out.flush();
    return out.checkError()
        ? ExportResult.failure("console: write to the stream failed")
        : ExportResult.SUCCESS;
  }

  /**
   * Stops taking batches, waits (up to 5 s) until those handed over are written, then stops the
   * writer thread. The exporter does not own stdout or stderr: they stay open.
   */
  @Override
  public synchronized CompletableFuture<ExportResult> shutdown() {
    if (shutdown == null) {
      writer.shutdown(); // takes no new batch; those queued are still written
      ExportResult flushed;
      try {
        flushed = unfinished.flush().get(SHUTDOWN_WAIT_MS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        flushed =
            ExportResult.failure(
                "console: batches still unwritten after " + SHUTDOWN_WAIT_MS + " ms");
      } catch (ExecutionException e) {
        flushed = ExportResult.failure(e.getCause() != null ? e.getCause() : e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        flushed = ExportResult.failure("console: interrupted while flushing");
      }
      writer.shutdownNow(); // idle once flushed; otherwise stuck on the stream
      shutdown = CompletableFuture.completedFuture(flushed);
    }
    return shutdown;
  }
}
