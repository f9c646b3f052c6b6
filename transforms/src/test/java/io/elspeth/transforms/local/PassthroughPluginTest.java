package io.elspeth.transforms.local;

import static io.elspeth.transforms.Rows.row;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;

import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PassthroughPluginTest {
  private final RowTransform passthrough = PluginFixture.create(new PassthroughPlugin(), Map.of());

  @Test
  void returnsTheRowUnchanged() {
    TransformResult result = passthrough.apply(row("id", 1L, "name", "Ada", "tags", null));

    assertThat(result, instanceOf(TransformResult.Success.class));
    Map<String, Object> out = ((TransformResult.Success) result).row();
    assertThat(out, equalTo(row("id", 1L, "name", "Ada", "tags", null)));
    assertThat(out.keySet(), contains("id", "name", "tags"));
  }
}
