package io.elspeth.transforms.local;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.instanceOf;

import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FieldMapperPluginTest {
  private static final FieldMapperPlugin PLUGIN = new FieldMapperPlugin();

  private static Map<String, Object> success(TransformResult result) {
    assertThat(result, instanceOf(TransformResult.Success.class));
    return ((TransformResult.Success) result).row();
  }

  @Test
  void renamedFieldKeepsItsPositionInTheRow() {
    RowTransform mapper = PluginFixture.create(PLUGIN, row("mapping", Map.of("b", "beta")));

    Map<String, Object> out = success(mapper.apply(row("a", 1L, "b", 2L, "c", 3L)));

    assertThat(out.keySet(), contains("a", "beta", "c"));
    assertThat(out, equalTo(row("a", 1L, "beta", 2L, "c", 3L)));
  }

  @Test
  void selectOnlyKeepsOnlyTheMappedFields() {
    RowTransform mapper =
        PluginFixture.create(
            PLUGIN, row("mapping", row("c", "gamma", "a", "alpha"), "select_only", true));

    Map<String, Object> out = success(mapper.apply(row("a", 1L, "b", 2L, "c", 3L)));

    assertThat(out, equalTo(row("alpha", 1L, "gamma", 3L)));
  }

  @Test
  void strictMappingRejectsARowMissingAMappedField() {
    RowTransform mapper =
        PluginFixture.create(PLUGIN, row("mapping", row("a", "alpha", "z", "zed"), "strict", true));

    TransformResult result = mapper.apply(row("a", 1L));

    assertThat(result, instanceOf(TransformResult.Error.class));
    assertThat(
        ((TransformResult.Error) result).reason(),
        equalTo(row("reason", "missing_field", "field", "z")));
  }

  @Test
  void nonStrictMappingSkipsAMissingField() {
    RowTransform mapper =
        PluginFixture.create(PLUGIN, row("mapping", row("a", "alpha", "z", "zed")));

    Map<String, Object> out = success(mapper.apply(row("a", 1L, "b", 2L)));

    assertThat(out, equalTo(row("alpha", 1L, "b", 2L)));
  }

  @Test
  void validateRejectsAnEmptyMapping() {
    assertThat(
        PluginFixture.problems(PLUGIN, row("mapping", Map.of())),
        hasItem("mapping: expected at least one entry"));
  }
}
