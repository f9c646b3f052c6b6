package io.elspeth.transforms.dag;

import io.elspeth.transforms.gate.expression.GateExpression;
import java.io.Serializable;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * When an aggregation flushes its batch: after {@code count} rows, {@code timeoutSeconds} after the
 * batch's first row, or when {@code condition} holds; whichever fires first. The end of the input
 * always flushes what is left. The condition sees {@code row['batch_count']} (rows in the batch)
 * and {@code row['batch_age_seconds']} (seconds since its first row).
 */
public record AggregationTrigger(
    @Nullable Integer count, @Nullable Double timeoutSeconds, @Nullable GateExpression condition)
    implements Serializable {

  /** Trigger types as the Landscape records them. */
  public static final String COUNT = "count";

  public static final String TIMEOUT = "timeout";
  public static final String CONDITION = "condition";
  public static final String END_OF_SOURCE = "end_of_source";

  /** The trigger that fires after a row is added, or null. */
  @Nullable String firesAfterAdd(int batchCount, double ageSeconds) {
    if (count != null && batchCount >= count) {
      return COUNT;
    }
    if (condition != null
        && Boolean.TRUE.equals(
            condition.evaluate(
                Map.of("batch_count", (long) batchCount, "batch_age_seconds", ageSeconds)))) {
      return CONDITION;
    }
    return null;
  }
}
