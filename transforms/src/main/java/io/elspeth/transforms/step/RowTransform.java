package io.elspeth.transforms.step;

import java.io.Serializable;
import java.util.Map;

/**
 * The work of a transform plugin on one row, free of audit and Beam concerns: the
 * {@link TransformStep} around it records the node state, errors, routing and lineage. An
 * exception means a plugin bug: the row fails with the exception recorded.
 */
public interface RowTransform extends Serializable {
  TransformResult apply(Map<String, Object> row);
}
