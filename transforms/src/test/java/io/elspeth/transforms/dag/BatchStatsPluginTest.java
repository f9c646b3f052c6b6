package io.elspeth.transforms.dag;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.plugin.PluginOptions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code batch_stats} gives ELSPETH RC2's summary row: its fields, their order and types. */
class BatchStatsPluginTest {

  private static Map<String, Object> summarise(
      Map<String, Object> options, List<Map<String, Object>> rows) {
    List<BatchTransform.BatchOutput> out =
        new BatchStatsPlugin().create(new PluginOptions(options, null)).apply(rows);
    assertThat(out.size(), is(1));
    assertThat("derived from every member", out.get(0).sources(), equalTo(List.of()));
    return out.get(0).row();
  }

  private static Map<String, Object> row(Object amount, String category) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("amount", amount);
    r.put("category", category);
    return r;
  }

  @Test
  void countSumBatchSizeMeanThenTheGroupByFieldUnderItsOwnName() {
    Map<String, Object> out =
        summarise(
            Map.of("value_field", "amount", "group_by", "category", "compute_mean", true),
            List.of(row(10L, "a"), row(20L, "b"), row(30L, "a")));
    assertThat(out.keySet(), contains("count", "sum", "batch_size", "mean", "category"));
    assertThat(out.get("count"), equalTo(3L));
    assertThat("sum is a float even over ints", out.get("sum"), equalTo(60.0));
    assertThat(out.get("batch_size"), equalTo(3L));
    assertThat(out.get("mean"), equalTo(20.0));
    assertThat("from the first row", out.get("category"), equalTo("a"));
  }

  @Test
  void theSumAddsDoublesInBatchOrderAsPythonsSumDoes() {
    Map<String, Object> out =
        summarise(
            Map.of("value_field", "amount", "compute_mean", true),
            List.of(row(0.1, "x"), row(0.2, "x"), row(1L, "x")));
    assertThat(out.get("sum"), equalTo(0.1 + 0.2 + 1.0));
    assertThat(out.get("sum"), instanceOf(Double.class));
    assertThat(out.get("mean"), equalTo((0.1 + 0.2 + 1.0) / 3));
  }

  @Test
  void withoutComputeMeanOrAGroupByValueInTheFirstRowThoseFieldsAreAbsent() {
    Map<String, Object> first = new HashMap<>();
    first.put("amount", 5L);
    Map<String, Object> out =
        summarise(
            Map.of("value_field", "amount", "group_by", "category", "compute_mean", false),
            List.of(first, row(7L, "b")));
    assertThat(out.keySet(), contains("count", "sum", "batch_size"));
    assertThat(out.get("sum"), equalTo(12.0));
  }

  @Test
  void booleansCountAsOneAndZeroAsPythonsBoolIsAnInt() {
    Map<String, Object> out =
        summarise(
            Map.of("value_field", "amount", "compute_mean", true),
            List.of(row(true, "x"), row(false, "x"), row(true, "x")));
    assertThat(out.get("sum"), equalTo(2.0));
  }

  @Test
  void aMissingOrNonNumericValueFailsTheBatchNamingTheRowAndField() {
    BatchTransform batch =
        new BatchStatsPlugin()
            .create(new PluginOptions(Map.of("value_field", "amount", "compute_mean", true), null));
    String message =
        assertThrows(
                BatchTransform.BatchRejectedException.class,
                () -> batch.apply(List.of(row(1L, "a"), row("ten", "a"))))
            .getMessage();
    assertThat(message, containsString("row 1"));
    assertThat(message, containsString("value_field 'amount'"));
  }
}
