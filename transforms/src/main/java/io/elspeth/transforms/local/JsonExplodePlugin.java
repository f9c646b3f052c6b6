package io.elspeth.transforms.local;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformPlugin;
import io.elspeth.transforms.step.TransformResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code json_explode}: one row per element of the list in {@code array_field}; each child has the
 * parent's other fields, the element in {@code output_field} and, with {@code include_index}, its
 * position in {@code item_index}. A missing, non-list or empty field is a processing error, so no
 * row disappears without a record.
 */
public final class JsonExplodePlugin implements TransformPlugin {
  @Override
  public String name() {
    return "json_explode";
  }

  @Override
  public String description() {
    return "Expands a list field into one row per element (1 -> N)";
  }

  @Override
  public List<OptionSpec> options() {
    return TransformOptions.with(
        OptionSpec.required("array_field", OptionType.STRING, "field holding the list"),
        OptionSpec.optional(
            "output_field", OptionType.STRING, "item", "field receiving each element"),
        OptionSpec.optional(
            "include_index", OptionType.BOOL, true, "add item_index to each child"));
  }

  @Override
  public RowTransform create(PluginOptions options) {
    return new Exploder(
        options.requiredString("array_field"),
        options.requiredString("output_field"),
        options.bool("include_index", true));
  }

  record Exploder(String arrayField, String outputField, boolean includeIndex)
      implements RowTransform {
    @Override
    public TransformResult apply(Map<String, Object> row) {
      Object value = row.get(arrayField);
      if (!(value instanceof List<?> items) || items.isEmpty()) {
        Map<String, Object> reason = new LinkedHashMap<>();
        reason.put(
            "reason",
            value == null
                ? "missing_field"
                : value instanceof List<?> ? "empty_array" : "not_an_array");
        reason.put("field", arrayField);
        return TransformResult.error(reason);
      }
      List<Map<String, Object>> children = new ArrayList<>(items.size());
      for (int i = 0; i < items.size(); i++) {
        Map<String, Object> child = new LinkedHashMap<>(row);
        child.remove(arrayField);
        child.put(outputField, items.get(i));
        if (includeIndex) {
          child.put("item_index", (long) i);
        }
        children.add(child);
      }
      return new TransformResult.Expanded(children);
    }
  }
}
