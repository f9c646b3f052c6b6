package io.elspeth.transforms.step;

import io.elspeth.audit.secrets.UrlRedactor;
import io.elspeth.connectors.client.CallSink;
import java.io.Serializable;
import java.util.Map;

/**
 * The work of a transform plugin on one row, free of audit and Beam concerns: the {@link
 * TransformStep} around it records the node state, errors, routing and lineage. An exception means
 * a plugin bug: the row fails with the exception recorded.
 *
 * <p>A transform that calls external services overrides {@link #apply(Map, CallSink)} and records
 * each call through its audited client into the sink, which the step writes under the row's node
 * state; it builds its clients in {@link #setup()} (once per DoFn instance) and may ask for {@link
 * #poolSize()} rows in flight at once.
 */
public interface RowTransform extends Serializable {
  TransformResult apply(Map<String, Object> row);

  /** The same work, with the external calls it makes recorded into {@code calls}. */
  default TransformResult apply(Map<String, Object> row, CallSink calls) {
    return apply(row);
  }

  /**
   * The fields this transform adds to every row; a row that already has one of them fails before
   * the transform runs ({@link FieldCollisions}). Empty: the transform adds no fixed fields (or
   * overwriting is what it is for, like {@code field_mapper}).
   */
  default java.util.Set<String> declaredOutputFields() {
    return java.util.Set.of();
  }

  /** Builds per-instance resources (clients, templates) before the first row. */
  default void setup() {}

  /** Releases what {@link #setup()} built. */
  default void teardown() {}

  /**
   * How the step masks URLs in this transform's exception messages before they reach the Landscape
   * and the log (built-in credential names; external-call transforms add the run's).
   */
  default UrlRedactor urls() {
    return UrlRedactor.masking();
  }

  /** How many rows one DoFn instance may have in flight (1: one at a time, in order). */
  default int poolSize() {
    return 1;
  }
}
