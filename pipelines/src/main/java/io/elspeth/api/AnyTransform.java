package io.elspeth.api;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.plugin.StepContext;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Any installed transform plugin (built in, or from a plugin jar on the classpath) as a transform,
 * with its options set by their settings names ({@link #withOption}).
 */
public final class AnyTransform extends PluginTransform<AnyTransform> {
  private static final long serialVersionUID = 1L;

  AnyTransform(
      String plugin,
      @Nullable String stepName,
      Map<String, Object> options,
      @Nullable StepContext context,
      ClientSettings clients) {
    super(plugin, stepName, options, context, clients);
  }

  @Override
  AnyTransform copy(
      @Nullable String stepName,
      Map<String, Object> options,
      @Nullable StepContext context,
      ClientSettings clients) {
    return new AnyTransform(pluginName(), stepName, options, context, clients);
  }
}
