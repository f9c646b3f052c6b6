package io.elspeth.transforms.dag;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.local.TransformOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code batch_stats}: one summary row per batch, exactly ELSPETH RC2's: {@code count} (rows with a
 * value), {@code sum} (a float: the values added in batch order as doubles, as Python's {@code sum}
 * of floats does), {@code batch_size} (rows in the batch), {@code mean} (with {@code compute_mean};
 * {@code sum / count}), then the {@code group_by} field under its own name, copied from the first
 * row when that row has it. A row whose value is missing or not a number fails the batch, with the
 * row's position and the field named; booleans count as 1.0 and 0.0, as Python's {@code bool} is an
 * {@code int}.
 */
public final class BatchStatsPlugin implements AggregationPlugin {
  @Override
  public String name() {
    return "batch_stats";
  }

  @Override
  public String description() {
    return "Summarises a batch: count, sum, batch_size and mean of a numeric field (aggregations only)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.required("value_field", OptionType.STRING, "numeric field to summarise"),
        OptionSpec.optional(
            "group_by",
            OptionType.STRING,
            null,
            "field copied from the first row of the batch into the summary"),
        OptionSpec.optional("compute_mean", OptionType.BOOL, true, "add the mean"),
        OptionSpec.optional("schema", OptionType.SCHEMA, null, "row schema"),
        TransformOptions.requiredInputFields());
  }

  @Override
  public BatchTransform create(PluginOptions options) {
    String field = options.requiredString("value_field");
    String groupBy = options.string("group_by");
    boolean mean = options.bool("compute_mean", true);
    return rows -> List.of(BatchTransform.BatchOutput.ofAll(summary(rows, field, groupBy, mean)));
  }

  static Map<String, Object> summary(
      List<Map<String, Object>> rows, String field, @Nullable String groupBy, boolean computeMean) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (rows.isEmpty()) {
      // ELSPETH's shape for an empty batch (a flush with no members never reaches a plugin here).
      out.put("count", 0L);
      out.put("sum", 0L);
      out.put("mean", null);
      out.put("batch_empty", true);
      return out;
    }
    double sum = 0.0;
    for (int i = 0; i < rows.size(); i++) {
      Object v = rows.get(i).get(field);
      if (v instanceof Boolean b) {
        sum += b ? 1.0 : 0.0;
      } else if (v instanceof Number n) {
        sum += n.doubleValue();
      } else {
        throw new BatchTransform.BatchRejectedException(
            "batch_stats: row "
                + i
                + " of the batch has "
                + (v == null ? "no value" : "non-numeric value " + v)
                + " in value_field '"
                + field
                + "'");
      }
    }
    out.put("count", (long) rows.size());
    out.put("sum", sum);
    out.put("batch_size", (long) rows.size());
    if (computeMean) {
      out.put("mean", sum / rows.size());
    }
    if (groupBy != null && rows.get(0).containsKey(groupBy)) {
      out.put(groupBy, rows.get(0).get(groupBy));
    }
    return out;
  }
}
