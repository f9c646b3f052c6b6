package io.elspeth.transforms.local;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformPlugin;
import io.elspeth.transforms.step.TransformResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code field_mapper}: renames fields ({@code mapping: {old: new}}); {@code select_only} keeps
 * only the mapped fields; {@code strict} rejects a row that lacks a mapped field.
 */
public final class FieldMapperPlugin implements TransformPlugin {
  @Override
  public String name() {
    return "field_mapper";
  }

  @Override
  public String description() {
    return "Renames fields; optionally keeps only the mapped ones";
  }

  @Override
  public List<OptionSpec> options() {
    return TransformOptions.with(
        OptionSpec.required("mapping", OptionType.STRING_MAP, "renames: {old_name: new_name}"),
        OptionSpec.optional("select_only", OptionType.BOOL, false, "keep only the mapped fields"),
        OptionSpec.optional("strict", OptionType.BOOL, false, "reject rows missing a mapped field"),
        OptionSpec.optional(
            "validate_input",
            OptionType.BOOL,
            false,
            "accepted for compatibility; rows are validated at the source"));
  }

  @Override
  public List<String> validate(PluginOptions options) {
    return options.map("mapping").isEmpty()
        ? List.of("mapping: expected at least one entry")
        : List.of();
  }

  @Override
  @SuppressWarnings("unchecked")
  public RowTransform create(PluginOptions options) {
    return new Mapper(
        new LinkedHashMap<>((Map<String, String>) (Map<?, ?>) options.map("mapping")),
        options.bool("select_only", false),
        options.bool("strict", false));
  }

  record Mapper(LinkedHashMap<String, String> mapping, boolean selectOnly, boolean strict)
      implements RowTransform {
    @Override
    public TransformResult apply(Map<String, Object> row) {
      if (strict) {
        for (String from : mapping.keySet()) {
          if (!row.containsKey(from)) {
            Map<String, Object> reason = new LinkedHashMap<>();
            reason.put("reason", "missing_field");
            reason.put("field", from);
            return TransformResult.error(reason);
          }
        }
      }
      // Renamed fields keep their position in the row.
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : row.entrySet()) {
        String to = mapping.get(e.getKey());
        if (to != null) {
          out.put(to, e.getValue());
        } else if (!selectOnly && !out.containsKey(e.getKey())) {
          out.put(e.getKey(), e.getValue());
        }
      }
      return TransformResult.success(out);
    }
  }
}
