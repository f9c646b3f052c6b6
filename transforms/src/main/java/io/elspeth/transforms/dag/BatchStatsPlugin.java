package io.elspeth.transforms.dag;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code batch_stats}: one summary row per batch with {@code count}, {@code sum} and (with
 * {@code compute_mean}) {@code mean} of {@code value_field}, and the {@code group_by} field of the
 * first row when configured. A row whose value is missing or not a number fails the batch, with
 * the row's position and the field named.
 */
public final class BatchStatsPlugin implements AggregationPlugin {
  @Override
  public String name() {
    return "batch_stats";
  }

  @Override
  public String description() {
    return "Summarises a batch: count, sum and mean of a numeric field (aggregations only)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.required("value_field", OptionType.STRING, "numeric field to summarise"),
        OptionSpec.optional("group_by", OptionType.STRING, null,
            "field copied from the first row of the batch into the summary"),
        OptionSpec.optional("compute_mean", OptionType.BOOL, true, "add the mean"),
        OptionSpec.optional("schema", OptionType.SCHEMA, null, "row schema"));
  }

  @Override
  public BatchTransform create(PluginOptions options) {
    String field = options.requiredString("value_field");
    String groupBy = options.string("group_by");
    boolean mean = options.bool("compute_mean", true);
    return rows -> {
      BigDecimal sum = BigDecimal.ZERO;
      boolean allIntegers = true;
      for (int i = 0; i < rows.size(); i++) {
        Object v = rows.get(i).get(field);
        if (!(v instanceof Number n) || v instanceof Boolean) {
          throw new BatchTransform.BatchRejectedException("batch_stats: row " + i
              + " of the batch has " + (v == null ? "no value" : "non-numeric value " + v)
              + " in value_field '" + field + "'");
        }
        allIntegers &= v instanceof Integer || v instanceof Long;
        sum = sum.add(new BigDecimal(n.toString()));
      }
      Map<String, Object> out = new LinkedHashMap<>();
      if (groupBy != null) {
        out.put(groupBy, rows.isEmpty() ? null : rows.get(0).get(groupBy));
      }
      out.put("count", (long) rows.size());
      out.put("sum", allIntegers ? (Object) sum.longValueExact() : (Object) sum.doubleValue());
      if (mean) {
        out.put("mean", rows.isEmpty() ? null : sum.doubleValue() / rows.size());
      }
      return List.of(BatchTransform.BatchOutput.ofAll(out));
    };
  }
}
