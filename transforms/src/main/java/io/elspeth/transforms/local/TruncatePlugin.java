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
 * {@code truncate}: shortens string fields to a maximum length ({@code fields: {name: max_len}}),
 * ending with {@code suffix} when cut (the suffix counts towards the length); {@code strict}
 * rejects a row lacking a listed field. Non-string values are left alone.
 */
public final class TruncatePlugin implements TransformPlugin {
  @Override
  public String name() {
    return "truncate";
  }

  @Override
  public String description() {
    return "Shortens string fields to a maximum length";
  }

  @Override
  public List<OptionSpec> options() {
    return TransformOptions.with(
        OptionSpec.required("fields", OptionType.INT_MAP, "maximum lengths: {field: max_len}"),
        OptionSpec.optional("suffix", OptionType.STRING, "", "appended to a cut value, e.g. '...'"),
        OptionSpec.optional(
            "strict", OptionType.BOOL, false, "reject rows missing a listed field"));
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>();
    Map<String, Object> fields = options.map("fields");
    if (fields.isEmpty()) {
      problems.add("fields: expected at least one {field: max_len} entry");
    }
    String suffix = options.string("suffix");
    fields.forEach(
        (name, len) -> {
          long max = ((Number) len).longValue();
          if (max < 1) {
            problems.add("fields." + name + ": expected a length of 1 or more, got " + max);
          } else if (suffix != null && suffix.length() >= max) {
            problems.add(
                "fields."
                    + name
                    + ": max length "
                    + max
                    + " leaves no room for suffix '"
                    + suffix
                    + "'");
          }
        });
    return problems;
  }

  @Override
  public RowTransform create(PluginOptions options) {
    Map<String, Integer> limits = new LinkedHashMap<>();
    options.map("fields").forEach((k, v) -> limits.put(k, ((Number) v).intValue()));
    return new Truncator(limits, options.requiredString("suffix"), options.bool("strict", false));
  }

  record Truncator(Map<String, Integer> limits, String suffix, boolean strict)
      implements RowTransform {
    @Override
    public TransformResult apply(Map<String, Object> row) {
      Map<String, Object> out = new LinkedHashMap<>(row);
      for (Map.Entry<String, Integer> limit : limits.entrySet()) {
        Object value = row.get(limit.getKey());
        if (!row.containsKey(limit.getKey())) {
          if (strict) {
            Map<String, Object> reason = new LinkedHashMap<>();
            reason.put("reason", "missing_field");
            reason.put("field", limit.getKey());
            return TransformResult.error(reason);
          }
          continue;
        }
        if (value instanceof String s && s.codePointCount(0, s.length()) > limit.getValue()) {
          int keep = limit.getValue() - suffix.codePointCount(0, suffix.length());
          out.put(limit.getKey(), s.substring(0, s.offsetByCodePoints(0, keep)) + suffix);
        }
      }
      return TransformResult.success(out);
    }
  }
}
