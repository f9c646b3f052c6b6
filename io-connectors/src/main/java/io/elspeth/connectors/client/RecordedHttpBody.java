package io.elspeth.connectors.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An HTTP response body as a call records it: parsed JSON (or, when it does not parse, a marker
 * with the error and the first {@value #MAX_RAW_TEXT} characters), text, or base64 for binary
 * content.
 */
final class RecordedHttpBody {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_RAW_TEXT = 10_000;

  private RecordedHttpBody() {}

  /** The body as recorded: parsed JSON, text, or base64 for binary content. */
  static @Nullable Object body(byte[] bytes, String contentType) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (contentType.contains("json")) {
      try {
        Object parsed = CanonicalJson.toPlain(JSON.readTree(text));
        CanonicalJson.canonicalize(parsed);
        return parsed;
      } catch (IOException | RuntimeException e) {
        Map<String, Object> failed = new LinkedHashMap<>();
        failed.put("_json_parse_failed", true);
        failed.put("_error", e.getClass().getSimpleName());
        failed.put(
            "_raw_text", text.length() > MAX_RAW_TEXT ? text.substring(0, MAX_RAW_TEXT) : text);
        return failed;
      }
    }
    if (contentType.startsWith("text/")
        || contentType.contains("xml")
        || contentType.contains("form-urlencoded")
        || contentType.isEmpty() && bytes.length == 0) {
      return text;
    }
    return Map.of("_binary", Base64.getEncoder().encodeToString(bytes));
  }

  /** Whether a recorded body is a JSON document that failed to parse. */
  static boolean isUnparsedJson(@Nullable Object body) {
    return body instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("_json_parse_failed"));
  }
}
