package io.elspeth.plugin;

import java.util.List;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A source plugin: builds the step that loads rows, outputting {@link StepTags} main (valid rows),
 * routed (quarantined rows) and audit.
 */
public interface SourcePlugin extends PluginDescriptor {
  PTransform<PBegin, PCollectionTuple> create(PluginOptions options, StepContext context);

  /**
   * The step of a run whose plan inferred this source's contract ({@link #inferredFields}, null:
   * nothing inferred): a source that infers holds every valid row to those field types.
   */
  default PTransform<PBegin, PCollectionTuple> create(
      PluginOptions options,
      StepContext context,
      io.elspeth.connectors.schema.@Nullable InferredFields inferred) {
    return create(options, context);
  }

  /**
   * What ELSPETH would infer from this source's first valid row (read now, up to that row) for the
   * run's contract; null when this source does not infer its contract (its contract is the declared
   * schema).
   */
  default io.elspeth.connectors.schema.@Nullable InferredFields inferredFields(
      PluginOptions options) throws java.io.IOException {
    return null;
  }

  /** Checks made just before a run (input present, readable); each problem is a message. */
  default List<String> preflight(PluginOptions options) {
    return List.of();
  }

  @Override
  default PluginKind kind() {
    return PluginKind.SOURCE;
  }

  @Override
  default String determinism() {
    return "io_read";
  }
}
