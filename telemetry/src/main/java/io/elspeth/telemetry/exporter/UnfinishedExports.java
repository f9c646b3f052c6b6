package io.elspeth.telemetry.exporter;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exports an exporter has started whose outcome is not in yet: what its {@link
 * TelemetryExporter#flush} waits for. Thread-safe: exports are tracked on the export thread and
 * finish on whatever thread the backend answers on.
 */
public final class UnfinishedExports {
  private final Set<CompletableFuture<ExportResult>> unfinished = ConcurrentHashMap.newKeySet();

  /** Keeps {@code export} until it completes; returns it. */
  public CompletableFuture<ExportResult> track(CompletableFuture<ExportResult> export) {
    unfinished.add(export);
    export.whenComplete((r, t) -> unfinished.remove(export));
    return export;
  }

  /**
   * Completes once every export tracked before this call has finished: success when all of them
   * succeeded, otherwise a failure counting them and saying what the first failure was.
   */
  public CompletableFuture<ExportResult> flush() {
    List<CompletableFuture<ExportResult>> waiting = List.copyOf(unfinished);
    return CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new))
        .handle((done, t) -> outcome(waiting));
  }

  private static ExportResult outcome(List<CompletableFuture<ExportResult>> finished) {
    int failed = 0;
    String first = null;
    for (CompletableFuture<ExportResult> f : finished) {
      ExportResult r =
          f.handle(
                  (result, t) ->
                      t != null
                          ? ExportResult.failure(t.getCause() != null ? t.getCause() : t)
                          : result)
              .join();
      if (r == null || !r.success()) {
        failed++;
        if (first == null) {
          first = r == null ? "the exporter returned no result" : r.error();
        }
      }
    }
    return failed == 0
        ? ExportResult.SUCCESS
        : ExportResult.failure(
            failed + " of " + finished.size() + " batches failed; the first: " + first);
  }
}
