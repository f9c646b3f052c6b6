package io.elspeth.transforms.local;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.instanceOf;

import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TruncatePluginTest {
  private static final TruncatePlugin PLUGIN = new TruncatePlugin();

  private static Map<String, Object> success(TransformResult result) {
    assertThat(result, instanceOf(TransformResult.Success.class));
    return ((TransformResult.Success) result).row();
  }

  @Test
  void cutsALongValueWithTheSuffixCountedInTheLength() {
    RowTransform truncate =
        PluginFixture.create(PLUGIN, row("fields", row("title", 10L), "suffix", "..."));

    Map<String, Object> out = success(truncate.apply(row("title", "Hello wonderful world")));

    assertThat(out.get("title"), equalTo("Hello w..."));
    assertThat(((String) out.get("title")).length(), equalTo(10));
  }

  @Test
  void cutsWithoutASuffixByDefault() {
    RowTransform truncate = PluginFixture.create(PLUGIN, row("fields", row("title", 5L)));

    assertThat(success(truncate.apply(row("title", "Hello world"))).get("title"), equalTo("Hello"));
  }

  @Test
  void leavesValuesWithinTheLimitUnchanged() {
    RowTransform truncate =
        PluginFixture.create(PLUGIN, row("fields", row("title", 10L), "suffix", "..."));

    assertThat(
        success(truncate.apply(row("title", "Hello", "other", "x"))),
        equalTo(row("title", "Hello", "other", "x")));
  }

  @Test
  void leavesNonStringValuesUntouched() {
    RowTransform truncate = PluginFixture.create(PLUGIN, row("fields", row("code", 3L)));

    assertThat(success(truncate.apply(row("code", 1234567L))).get("code"), equalTo(1234567L));
  }

  @Test
  void strictTruncateRejectsARowMissingAListedField() {
    RowTransform truncate =
        PluginFixture.create(PLUGIN, row("fields", row("title", 10L), "strict", true));

    TransformResult result = truncate.apply(row("body", "text"));

    assertThat(result, instanceOf(TransformResult.Error.class));
    assertThat(
        ((TransformResult.Error) result).reason(),
        equalTo(row("reason", "missing_field", "field", "title")));
  }

  @Test
  void nonStrictTruncateSkipsAMissingField() {
    RowTransform truncate = PluginFixture.create(PLUGIN, row("fields", row("title", 10L)));

    assertThat(success(truncate.apply(row("body", "text"))), equalTo(row("body", "text")));
  }

  @Test
  void keepsTheFieldOrderOfTheRow() {
    RowTransform truncate = PluginFixture.create(PLUGIN, row("fields", row("b", 1L)));

    assertThat(
        success(truncate.apply(row("a", "xx", "b", "yy", "c", "zz"))).keySet(),
        contains("a", "b", "c"));
  }

  @Test
  void validateRejectsASuffixLongerThanTheMaximum() {
    assertThat(
        PluginFixture.problems(PLUGIN, row("fields", row("title", 3L), "suffix", "[...]")),
        hasItem(containsString("fields.title: max length 3 leaves no room for suffix '[...]'")));
  }

  @Test
  void validateRejectsAMaximumBelowOne() {
    assertThat(
        PluginFixture.problems(PLUGIN, row("fields", row("title", 0L))),
        hasItem("fields.title: expected a length of 1 or more, got 0"));
  }

  @Test
  void validateAcceptsASuffixShorterThanTheMaximum() {
    assertThat(
        PluginFixture.problems(PLUGIN, row("fields", row("title", 4L), "suffix", "...")), empty());
  }
}
