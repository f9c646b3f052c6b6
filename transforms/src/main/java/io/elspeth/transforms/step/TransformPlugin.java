package io.elspeth.transforms.step;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.plugin.PluginDescriptor;
import io.elspeth.plugin.PluginKind;
import io.elspeth.plugin.PluginOptions;

/** A transform plugin: builds the row transform its options describe. */
public interface TransformPlugin extends PluginDescriptor {
  RowTransform create(PluginOptions options);

  /**
   * Builds the transform with the run-level client settings ({@code retry}, {@code rate_limit});
   * only transforms that call external services use them.
   */
  default RowTransform create(PluginOptions options, ClientSettings client) {
    return create(options);
  }

  @Override
  default PluginKind kind() {
    return PluginKind.TRANSFORM;
  }

  @Override
  default String determinism() {
    return "deterministic";
  }
}
