package io.elspeth.transforms.step;

import io.elspeth.connectors.client.CallSink;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/** Wraps a transform so that a row lacking any of {@code required_input_fields} is an error. */
public record RequiredInputFields(List<String> fields, RowTransform inner) implements RowTransform {
  @Override
  public TransformResult apply(Map<String, Object> row) {
    return apply(row, null);
  }

  @Override
  public TransformResult apply(Map<String, Object> row, @Nullable CallSink calls) {
    List<String> missing = new ArrayList<>();
    for (String f : fields) {
      if (row.get(f) == null) {
        missing.add(f);
      }
    }
    if (missing.isEmpty()) {
      return calls == null ? inner.apply(row) : inner.apply(row, calls);
    }
    Map<String, Object> reason = new LinkedHashMap<>();
    reason.put("reason", "missing_required_fields");
    reason.put("fields", missing);
    return TransformResult.error(reason);
  }

  @Override
  public void setup() {
    inner.setup();
  }

  @Override
  public void teardown() {
    inner.teardown();
  }

  @Override
  public int poolSize() {
    return inner.poolSize();
  }
}
