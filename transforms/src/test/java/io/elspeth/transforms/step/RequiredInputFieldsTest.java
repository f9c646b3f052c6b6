package io.elspeth.transforms.step;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequiredInputFieldsTest {
  private static final RowTransform MARK = r -> TransformResult.success(row("inner", "ran"));

  @Test
  void rowMissingRequiredFieldsIsRejectedNamingThem() {
    RowTransform required = new RequiredInputFields(List.of("a", "b", "c"), MARK);

    TransformResult result = required.apply(row("b", 2L));

    assertThat(result, instanceOf(TransformResult.Error.class));
    assertThat(
        ((TransformResult.Error) result).reason(),
        equalTo(row("reason", "missing_required_fields", "fields", List.of("a", "c"))));
  }

  @Test
  void rowWithEveryRequiredFieldGoesToTheInnerTransform() {
    RowTransform required = new RequiredInputFields(List.of("a", "b"), MARK);

    assertThat(
        required.apply(row("a", 1L, "b", "x", "c", 3L)),
        equalTo(TransformResult.success(row("inner", "ran"))));
  }
}
