package io.elspeth.plugin;

import java.util.List;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * A source plugin: builds the step that loads rows, outputting {@link StepTags} main (valid rows),
 * routed (quarantined rows) and audit.
 */
public interface SourcePlugin extends PluginDescriptor {
  PTransform<PBegin, PCollectionTuple> create(PluginOptions options, StepContext context);

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
