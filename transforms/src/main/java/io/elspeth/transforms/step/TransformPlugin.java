package io.elspeth.transforms.step;

import io.elspeth.plugin.PluginDescriptor;
import io.elspeth.plugin.PluginKind;
import io.elspeth.plugin.PluginOptions;

/** A transform plugin: builds the row transform its options describe. */
public interface TransformPlugin extends PluginDescriptor {
  RowTransform create(PluginOptions options);

  @Override
  default PluginKind kind() {
    return PluginKind.TRANSFORM;
  }

  @Override
  default String determinism() {
    return "deterministic";
  }
}
