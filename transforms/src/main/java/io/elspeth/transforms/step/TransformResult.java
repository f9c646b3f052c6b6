package io.elspeth.transforms.step;

import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/** What a transform made of a row: a new row, several rows (1 to N), or a processing error. */
public sealed interface TransformResult {

  /**
   * The row continues with this data; {@code successReason}, when given, is recorded as the node
   * state's {@code success_reason_json} (ELSPETH's {@code TransformResult.success_reason}).
   */
  record Success(Map<String, Object> row, @Nullable Map<String, Object> successReason)
      implements TransformResult {
    public Success(Map<String, Object> row) {
      this(row, null);
    }
  }

  /** The row is replaced by these child rows (deaggregation); never empty. */
  record Expanded(List<Map<String, Object>> rows) implements TransformResult {
    public Expanded {
      if (rows.isEmpty()) {
        throw new IllegalArgumentException("an expansion needs at least one row");
      }
      rows = List.copyOf(rows);
    }
  }

  /**
   * A legitimate processing error (a blocked keyword, a missing field): the row goes to the step's
   * {@code on_error} sink with the reason recorded, or fails without one.
   */
  record Error(Map<String, Object> reason) implements TransformResult {}

  static TransformResult success(Map<String, Object> row) {
    return new Success(row);
  }

  static TransformResult success(Map<String, Object> row, Map<String, Object> successReason) {
    return new Success(row, successReason);
  }

  static TransformResult error(Map<String, Object> reason) {
    return new Error(reason);
  }
}
