package io.elspeth.pipelines.launch;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * How far a run has come, as its Landscape records it.
 *
 * @param rowsRead source rows recorded (valid and quarantined)
 * @param rowsProcessed terminal outcomes recorded: one per row in a linear pipeline; forks,
 *     expansions and aggregations add the outcomes of their tokens
 * @param succeeded outcomes {@code completed}
 * @param routed outcomes {@code routed}
 * @param quarantined outcomes {@code quarantined}
 * @param failed outcomes {@code failed}
 * @param elapsedSeconds since the run started
 * @param estimatedRows the source's estimated row count, when its size is known (-1: unknown)
 * @param last the report made once the rows stopped moving: the counts are the run's, and the
 *     estimate (sampled from the source's first MiB) is no longer a measure of what is left
 */
public record RunProgress(
    long rowsRead,
    long rowsProcessed,
    long succeeded,
    long routed,
    long quarantined,
    long failed,
    double elapsedSeconds,
    long estimatedRows,
    boolean last) {

  /** A report while rows move. */
  public RunProgress(
      long rowsRead,
      long rowsProcessed,
      long succeeded,
      long routed,
      long quarantined,
      long failed,
      double elapsedSeconds,
      long estimatedRows) {
    this(
        rowsRead,
        rowsProcessed,
        succeeded,
        routed,
        quarantined,
        failed,
        elapsedSeconds,
        estimatedRows,
        false);
  }

  /** Rows processed per second since the run started (ELSPETH's rate). */
  public double rowsPerSecond() {
    return elapsedSeconds > 0 ? rowsProcessed / elapsedSeconds : 0;
  }

  /** The estimate of the source's rows, when known. */
  public OptionalLong estimate() {
    return estimatedRows >= 0 ? OptionalLong.of(estimatedRows) : OptionalLong.empty();
  }

  /**
   * Seconds left to read the source at the reading rate so far, when its size is known, rows are
   * moving and some are left to read (an estimate, not a promise). Sinks that publish at the end of
   * the rows (files) record their outcomes after that.
   */
  public OptionalDouble secondsLeft() {
    double rate = elapsedSeconds > 0 ? rowsRead / elapsedSeconds : 0;
    if (last || estimatedRows < 0 || rate <= 0 || rowsRead >= estimatedRows) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of((estimatedRows - rowsRead) / rate);
  }
}
