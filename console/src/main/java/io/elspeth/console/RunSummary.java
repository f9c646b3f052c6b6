package io.elspeth.console;

import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One line of the runs list.
 *
 * @param status as displayed ({@code interrupted} for a running run whose owner is gone)
 * @param rows source rows recorded so far
 * @param sinkOutcomes terminal outcomes by sink name (or outcome, for tokens that reached none)
 */
record RunSummary(
    String runId,
    String status,
    String startedAt,
    @Nullable String completedAt,
    @Nullable String duration,
    long rows,
    Map<String, Long> sinkOutcomes) {}
