package io.elspeth.transforms.local;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.not;

import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonExplodePluginTest {
  private static final JsonExplodePlugin PLUGIN = new JsonExplodePlugin();

  private static List<Map<String, Object>> children(TransformResult result) {
    assertThat(result, instanceOf(TransformResult.Expanded.class));
    return ((TransformResult.Expanded) result).rows();
  }

  private static Map<String, Object> reason(TransformResult result) {
    assertThat(result, instanceOf(TransformResult.Error.class));
    return ((TransformResult.Error) result).reason();
  }

  @Test
  void explodesAListIntoOneChildPerElementWithItsIndex() {
    RowTransform explode =
        PluginFixture.create(PLUGIN, row("array_field", "tags", "output_field", "tag"));

    List<Map<String, Object>> children =
        children(explode.apply(row("id", 1L, "tags", List.of("a", "b", "c"))));

    assertThat(
        children,
        contains(
            row("id", 1L, "tag", "a", "item_index", 0L),
            row("id", 1L, "tag", "b", "item_index", 1L),
            row("id", 1L, "tag", "c", "item_index", 2L)));
  }

  @Test
  void itemIndexIsALong() {
    RowTransform explode = PluginFixture.create(PLUGIN, row("array_field", "tags"));

    Object index = children(explode.apply(row("tags", List.of("a", "b")))).get(1).get("item_index");

    assertThat(index, instanceOf(Long.class));
  }

  @Test
  void outputFieldDefaultsToItem() {
    RowTransform explode = PluginFixture.create(PLUGIN, row("array_field", "tags"));

    assertThat(
        children(explode.apply(row("tags", List.of(row("k", "v"))))),
        contains(row("item", row("k", "v"), "item_index", 0L)));
  }

  @Test
  void includeIndexFalseLeavesOutItemIndex() {
    RowTransform explode =
        PluginFixture.create(PLUGIN, row("array_field", "tags", "include_index", false));

    List<Map<String, Object>> children = children(explode.apply(row("tags", List.of("a", "b"))));

    assertThat(children, contains(row("item", "a"), row("item", "b")));
    assertThat(children.get(0), not(hasKey("item_index")));
  }

  @Test
  void missingArrayFieldIsAnError() {
    RowTransform explode = PluginFixture.create(PLUGIN, row("array_field", "tags"));

    assertThat(
        reason(explode.apply(row("id", 1L))),
        equalTo(row("reason", "missing_field", "field", "tags")));
  }

  @Test
  void nonListArrayFieldIsAnError() {
    RowTransform explode = PluginFixture.create(PLUGIN, row("array_field", "tags"));

    assertThat(
        reason(explode.apply(row("tags", "a,b"))),
        equalTo(row("reason", "not_an_array", "field", "tags")));
  }

  @Test
  void emptyArrayIsAnError() {
    RowTransform explode = PluginFixture.create(PLUGIN, row("array_field", "tags"));

    assertThat(
        reason(explode.apply(row("tags", List.of()))),
        equalTo(row("reason", "empty_array", "field", "tags")));
  }
}
