package io.elspeth.connectors.replay;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.client.SensitiveHeaders;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The hash a call is matched by across runs: ELSPETH's request hash (canonical JSON, SHA-256) of
 * the request as recorded, less what depends on the credentials in use: sensitive request headers
 * are left out and every secret fingerprint reads the same. So a replay run with no key (or another
 * key, or another {@code ELSPETH_FINGERPRINT_KEY}) still finds the recorded call, while everything
 * that was actually asked (model, messages, URL, body) must be identical.
 */
public final class RequestMatch {
  private static final Pattern FINGERPRINT = Pattern.compile("<fingerprint:[0-9A-Za-z]+>");
  private static final String ANY_SECRET = "***";

  private RequestMatch() {}

  /** The match hash of a request as the audited clients record it. */
  public static String hash(Map<String, Object> request) {
    // Through canonical text and back, as the recorded side is read from its payload, so the
    // two sides see the same numbers.
    Object plain = CanonicalJson.parse(CanonicalJson.canonicalize(request));
    return CanonicalJson.stableHash(normalize(plain, true));
  }

  /** The match hash of a recorded request payload (canonical JSON). */
  public static String hashOfPayload(String canonicalJson) {
    return CanonicalJson.stableHash(normalize(CanonicalJson.parse(canonicalJson), true));
  }

  private static @Nullable Object normalize(@Nullable Object value, boolean top) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach(
          (k, v) -> {
            String key = String.valueOf(k);
            if (top && "headers".equals(key) && v instanceof Map<?, ?> headers) {
              Map<String, Object> kept = new LinkedHashMap<>();
              headers.forEach(
                  (name, h) -> {
                    if (!SensitiveHeaders.isSensitive(String.valueOf(name))) {
                      kept.put(String.valueOf(name), normalize(h, false));
                    }
                  });
              out.put(key, kept);
            } else {
              out.put(key, normalize(v, false));
            }
          });
      return out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(v -> out.add(normalize(v, false)));
      return out;
    }
    if (value instanceof String s) {
      return FINGERPRINT.matcher(s).replaceAll(ANY_SECRET);
    }
    return value;
  }
}
