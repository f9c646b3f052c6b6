package io.elspeth.connectors.source;

import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One item read from a source file, before schema validation: either a row (field name to raw
 * value) or a structural problem (ragged CSV row, JSON item that is not an object, a line that is
 * not JSON) with the raw data kept so nothing is lost.
 *
 * @param location where the item was, for messages ("line 7", "item 3")
 */
public record ParsedRecord(
    @Nullable Map<String, Object> row,
    Map<String, Object> raw,
    @Nullable String problem,
    String location) {

  public static ParsedRecord row(Map<String, Object> row, String location) {
    return new ParsedRecord(row, row, null, location);
  }

  public static ParsedRecord malformed(Map<String, Object> raw, String problem, String location) {
    return new ParsedRecord(null, raw, problem, location);
  }

  public boolean isMalformed() {
    return problem != null;
  }
}
