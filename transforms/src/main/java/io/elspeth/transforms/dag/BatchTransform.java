package io.elspeth.transforms.dag;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The work of an aggregation on one flushed batch: the buffered rows in, in member order, the
 * output rows out. Throwing {@link BatchRejectedException} (a row the plugin cannot use) or any
 * other exception fails the batch: every member ends {@code failed} with the reason recorded.
 */
@FunctionalInterface
public interface BatchTransform extends Serializable {
  List<BatchOutput> apply(List<Map<String, Object>> rows);

  /**
   * One output row and the positions (in the batch) of the rows it derives from; an empty list
   * means every row of the batch. These become the output token's parents.
   */
  record BatchOutput(Map<String, Object> row, List<Integer> sources) {
    public BatchOutput {
      row = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(row));
      sources = List.copyOf(sources);
    }

    /** An output derived from the whole batch. */
    public static BatchOutput ofAll(Map<String, Object> row) {
      return new BatchOutput(row, List.of());
    }
  }

  /** A batch the plugin refuses, with a message naming the row and field at fault. */
  final class BatchRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BatchRejectedException(String message) {
      super(message);
    }

    /** Why the batch was rejected; never null, as the constructor takes it. */
    @Override
    public String getMessage() {
      return Objects.requireNonNull(super.getMessage(), "message");
    }
  }
}
