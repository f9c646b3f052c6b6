package io.elspeth.transforms.local;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;

import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformPlugin;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds a plugin's row transform from raw settings options, as the settings validator does. */
final class PluginFixture {
  static final String OPTIONS_PATH = "transforms[0].options";
  static final Set<String> SINKS = Set.of("sinkA");

  private PluginFixture() {}

  /** The row transform for options that must be valid. */
  static RowTransform create(TransformPlugin plugin, Map<String, Object> raw) {
    OptionsValidator.Result result =
        OptionsValidator.validate(raw, plugin.options(), OPTIONS_PATH, SINKS);
    assertThat(result.problems(), empty());
    PluginOptions options = result.options();
    assertThat(plugin.validate(options), empty());
    return plugin.create(options);
  }

  /** Every problem with the options: type problems, then the plugin's own checks. */
  static List<String> problems(TransformPlugin plugin, Map<String, Object> raw) {
    OptionsValidator.Result result =
        OptionsValidator.validate(raw, plugin.options(), OPTIONS_PATH, SINKS);
    List<String> problems = new ArrayList<>(result.problems());
    if (result.options() != null) {
      problems.addAll(plugin.validate(result.options()));
    }
    return problems;
  }
}
