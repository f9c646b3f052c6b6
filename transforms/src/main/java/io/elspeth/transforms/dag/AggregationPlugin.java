package io.elspeth.transforms.dag;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.plugin.PluginDescriptor;
import io.elspeth.plugin.PluginKind;
import io.elspeth.plugin.PluginOptions;

/**
 * A batch-aware plugin, named under {@code aggregations}: builds the {@link BatchTransform} its
 * options describe. Listed with the transforms, as ELSPETH lists them.
 */
public interface AggregationPlugin extends PluginDescriptor {
  BatchTransform create(PluginOptions options);

  /** With the run's retry and rate-limit settings, for plugins that call external services. */
  default BatchTransform create(PluginOptions options, ClientSettings client) {
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
