package io.elspeth.transforms.step;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Wraps a transform so that a row lacking any of {@code required_input_fields} is an error. */
public record RequiredInputFields(List<String> fields, RowTransform inner) implements RowTransform {
  @Override
  public TransformResult apply(Map<String, Object> row) {
    List<String> missing = new ArrayList<>();
    for (String f : fields) {
      if (row.get(f) == null) {
        missing.add(f);
      }
    }
    if (missing.isEmpty()) {
      return inner.apply(row);
    }
    Map<String, Object> reason = new LinkedHashMap<>();
    reason.put("reason", "missing_required_fields");
    reason.put("fields", missing);
    return TransformResult.error(reason);
  }
}
