package io.elspeth.connectors.source;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the JSON sources make of a parsed value: a row when it is an object, else a malformed
 * record; and whether a string in it is over {@code max_field_bytes}.
 */
final class JsonRecords {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonRecords() {}

  /**
   * Names the first string (value or key, at any depth) longer than {@code max} UTF-8 bytes; null
   * when there is none.
   */
  static @Nullable String oversizedString(JsonNode node, long max) {
    if (node.isTextual()) {
      long bytes = utf8Length(node.textValue(), max);
      return bytes > max
          ? "a string of " + bytes + " bytes is over max_field_bytes (" + max + ")"
          : null;
    }
    if (node.isObject()) {
      for (var it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (utf8Length(e.getKey(), max) > max) {
          return "a field name is over max_field_bytes (" + max + ")";
        }
        String inner = oversizedString(e.getValue(), max);
        if (inner != null) {
          return "field '" + e.getKey() + "': " + inner;
        }
      }
    } else if (node.isArray()) {
      for (JsonNode item : node) {
        String inner = oversizedString(item, max);
        if (inner != null) {
          return inner;
        }
      }
    }
    return null;
  }

  /** UTF-8 length of {@code s}, exact when it may be over {@code max}. */
  private static long utf8Length(String s, long max) {
    if ((long) s.length() * 3 <= max) {
      return s.length();
    }
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
    }
    return n;
  }

  /** Moves {@code parser}, inside an object, to the value of {@code key}; false when absent. */
  static boolean seekKey(JsonParser parser, String key) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      if (key.equals(parser.currentName())) {
        return true;
      }
      parser.nextToken();
      parser.skipChildren();
    }
    return false;
  }

  /** {@code node} as a row, or as a malformed record when it is not an object. */
  @SuppressWarnings("unchecked")
  static ParsedRecord toParsed(JsonNode node, String location) {
    Object value = CanonicalJson.toPlain(node);
    if (value instanceof Map<?, ?> map) {
      return ParsedRecord.row((Map<String, Object>) map, location);
    }
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("_raw", value);
    return ParsedRecord.malformed(
        raw,
        "expected a JSON object, got "
            + (node.isArray() ? "an array" : node.getNodeType().toString().toLowerCase()),
        location);
  }
}
