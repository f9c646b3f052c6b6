package io.elspeth.transforms.local;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformPlugin;
import io.elspeth.transforms.step.TransformResult;
import java.util.List;

/** {@code passthrough}: the row unchanged (its visit is still recorded). */
public final class PassthroughPlugin implements TransformPlugin {
  @Override
  public String name() {
    return "passthrough";
  }

  @Override
  public String description() {
    return "Passes rows through unchanged";
  }

  @Override
  public List<OptionSpec> options() {
    return TransformOptions.with();
  }

  @Override
  public RowTransform create(PluginOptions options) {
    return TransformResult::success;
  }
}
