package io.elspeth.benchmarks.report;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The memory figure of the harness (scenario 6): one run of a pipeline through the CLI in a JVM of
 * its own under a fixed heap limit. Not a ratio: whether the run completed, how far it got, and the
 * peak heap the garbage collector saw.
 *
 * @param peakHeapMiB the most heap in use just before a collection (what the limit must hold)
 * @param peakLiveMiB the most heap still in use just after a collection (the live set)
 * @param rowsRecorded source rows in the run's Landscape when the JVM ended (all of them when it
 *     completed; how far it got when it did not)
 * @param failure why the run did not complete, or null when it did
 */
public record MemoryFigure(
    String scenario,
    String description,
    long rows,
    long heapLimitMiB,
    boolean completed,
    double seconds,
    long rowsRecorded,
    long peakHeapMiB,
    long peakLiveMiB,
    int collections,
    @Nullable String failure) {

  /** Rows recorded per second of the run. */
  public double rowsPerSecond() {
    return seconds > 0 ? rowsRecorded / seconds : 0;
  }
}
