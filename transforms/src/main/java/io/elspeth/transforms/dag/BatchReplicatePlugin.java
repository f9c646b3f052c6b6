package io.elspeth.transforms.dag;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code batch_replicate}: deaggregation. Each row of the batch becomes {@code copies_field} rows
 * (or {@code default_copies} when the field is absent), each with {@code copy_index} when {@code
 * include_copy_index}; every output row names the one input row it copies, so its token's parent is
 * that row's token. A copies value that is not a whole number from 0 to {@code max_copies} fails
 * the batch, naming the row.
 */
public final class BatchReplicatePlugin implements AggregationPlugin {
  @Override
  public String name() {
    return "batch_replicate";
  }

  @Override
  public String description() {
    return "Replicates each row of a batch by a per-row copy count (aggregations only)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.optional(
            "copies_field",
            OptionType.STRING,
            "copies",
            "field holding how many copies of the row to output"),
        OptionSpec.optional(
            "default_copies", OptionType.INT, 1L, "copies of a row without the field"),
        OptionSpec.optional(
            "include_copy_index", OptionType.BOOL, true, "add copy_index (0-based) to each copy"),
        OptionSpec.optional("max_copies", OptionType.INT, 1000L, "largest copy count accepted"),
        OptionSpec.optional("schema", OptionType.SCHEMA, null, "row schema"),
        io.elspeth.transforms.local.TransformOptions.requiredInputFields());
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>();
    if (options.integer("default_copies", 1) < 0) {
      problems.add("default_copies: expected 0 or more");
    }
    if (options.integer("max_copies", 1000) < 1) {
      problems.add("max_copies: expected 1 or more");
    }
    return problems;
  }

  @Override
  public BatchTransform create(PluginOptions options) {
    String field =
        options.string("copies_field") == null ? "copies" : options.string("copies_field");
    long defaultCopies = options.integer("default_copies", 1);
    long max = options.integer("max_copies", 1000);
    boolean index = options.bool("include_copy_index", true);
    return rows -> {
      List<BatchTransform.BatchOutput> out = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        Map<String, Object> row = rows.get(i);
        Object v = row.containsKey(field) ? row.get(field) : defaultCopies;
        if (!(v instanceof Integer || v instanceof Long)
            || ((Number) v).longValue() < 0
            || ((Number) v).longValue() > max) {
          throw new BatchTransform.BatchRejectedException(
              "batch_replicate: row "
                  + i
                  + " of the batch has copies_field '"
                  + field
                  + "' = "
                  + v
                  + ", expected a whole number from 0 to "
                  + max);
        }
        long copies = ((Number) v).longValue();
        for (long k = 0; k < copies; k++) {
          Map<String, Object> copy = new LinkedHashMap<>(row);
          if (index) {
            copy.put("copy_index", k);
          }
          out.add(new BatchTransform.BatchOutput(copy, List.of(i)));
        }
      }
      return out;
    };
  }
}
