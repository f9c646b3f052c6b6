package io.elspeth.api;

import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginDescriptor;
import io.elspeth.plugin.PluginOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A typed transform's plugin options checked as the settings validator checks a plugin's: types,
 * required options, defaults, then the plugin's own checks, every problem named by its path.
 */
final class PluginOptionsCheck {
  private PluginOptionsCheck() {}

  /**
   * @param path the options' settings path ({@code transforms[name].options})
   * @param sinks the sink names an {@code on_error} option may name
   * @throws IllegalArgumentException listing every problem, each with its option's path
   */
  static PluginOptions validated(
      PluginDescriptor descriptor, Map<String, Object> options, String path, Set<String> sinks) {
    OptionsValidator.Result r =
        OptionsValidator.validate(options, descriptor.options(), path, sinks);
    List<String> problems = new ArrayList<>(r.problems());
    PluginOptions validated = r.options();
    if (validated != null) {
      descriptor.validate(validated).forEach(p -> problems.add(path + "." + p));
    }
    if (!problems.isEmpty() || validated == null) {
      throw new IllegalArgumentException(descriptor.name() + ": " + String.join("; ", problems));
    }
    return validated;
  }
}
