package io.elspeth.examples.plugin;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.local.TransformOptions;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformPlugin;
import io.elspeth.transforms.step.TransformResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code uppercase}: upper-cases the string fields it names ({@code fields: [a, b]}); other values
 * are left alone. A user's plugin: listed in this jar's {@code
 * META-INF/services/io.elspeth.plugin.PluginDescriptor}, nothing else registers it.
 */
public final class UppercasePlugin implements TransformPlugin {
  @Override
  public String name() {
    return "uppercase";
  }

  @Override
  public String description() {
    return "Upper-cases string fields (an example plugin in a jar of its own)";
  }

  @Override
  public List<OptionSpec> options() {
    return TransformOptions.with(
        OptionSpec.required("fields", OptionType.STRING_LIST, "the fields to upper-case"));
  }

  @Override
  public List<String> validate(PluginOptions options) {
    return options.strings("fields").isEmpty()
        ? List.of("fields: expected at least one field name")
        : List.of();
  }

  @Override
  public RowTransform create(PluginOptions options) {
    return new Uppercase(List.copyOf(options.strings("fields")));
  }

  record Uppercase(List<String> fields) implements RowTransform {
    @Override
    public TransformResult apply(Map<String, Object> row) {
      Map<String, Object> out = new LinkedHashMap<>(row);
      for (String field : fields) {
        if (out.get(field) instanceof String s) {
          out.put(field, s.toUpperCase(java.util.Locale.ROOT));
        }
      }
      return TransformResult.success(out);
    }
  }
}
