package io.elspeth.connectors.client;

import io.elspeth.audit.secrets.SecretFingerprinter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Keeps credentials in HTTP headers out of the Landscape (ELSPETH HEAD {@code
 * clients/fingerprinting.py}): a sensitive request header's value becomes {@code <fingerprint:HEX>}
 * (HMAC keyed by {@code ELSPETH_FINGERPRINT_KEY}), or the header is dropped when no key is set;
 * sensitive response headers are always dropped. A header is sensitive by exact name, or when a
 * word of its name (split on non-alphanumerics) is a credential word, so {@code x-api-key} is and
 * {@code x-monkey} is not.
 */
public final class SensitiveHeaders {
  private static final Set<String> EXACT =
      Set.of(
          "authorization",
          "proxy-authorization",
          "cookie",
          "x-api-key",
          "api-key",
          "x-auth-token",
          "x-access-token",
          "x-csrf-token",
          "x-xsrf-token",
          "ocp-apim-subscription-key",
          "set-cookie",
          "www-authenticate",
          "proxy-authenticate");
  private static final Set<String> WORDS =
      Set.of(
          "auth",
          "authkey",
          "authtoken",
          "accesstoken",
          "apikey",
          "authorization",
          "key",
          "secret",
          "token",
          "password",
          "credential");

  /** What {@link SecretFingerprinter#fingerprint} returns without a key. */
  private static final String UNKEYED = "unavailable";

  private SensitiveHeaders() {}

  public static boolean isSensitive(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (EXACT.contains(n)) {
      return true;
    }
    for (String word : n.split("[^a-z0-9]+")) {
      if (WORDS.contains(word) || word.startsWith("x") && WORDS.contains(word.substring(1))) {
        return true;
      }
    }
    return false;
  }

  /** Request headers as recorded: sensitive values fingerprinted, or dropped without a key. */
  public static Map<String, Object> request(
      Map<String, String> headers, SecretFingerprinter fingerprinter) {
    Map<String, Object> out = new LinkedHashMap<>();
    headers.forEach(
        (name, value) -> {
          if (!isSensitive(name)) {
            out.put(name.toLowerCase(Locale.ROOT), value);
            return;
          }
          String fingerprint = fingerprinter.fingerprint(value);
          if (!UNKEYED.equals(fingerprint)) {
            out.put(name.toLowerCase(Locale.ROOT), "<fingerprint:" + fingerprint + ">");
          }
        });
    return out;
  }

  /** Response headers as recorded: sensitive ones dropped. */
  public static Map<String, Object> response(Map<String, String> headers) {
    Map<String, Object> out = new LinkedHashMap<>();
    headers.forEach(
        (name, value) -> {
          if (!isSensitive(name)) {
            out.put(name.toLowerCase(Locale.ROOT), value);
          }
        });
    return out;
  }
}
