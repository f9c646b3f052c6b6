package io.elspeth.audit.secrets;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Keeps credentials that travel inside URLs out of everything a run leaves behind (the Landscape's
 * settings, node configs and call payloads, telemetry, logs, exception messages): the password of
 * the user-info ({@code user:PASSWORD@host}) and the value of every query or fragment parameter
 * whose name is a credential become {@code <fingerprint:HEX>} (HMAC-SHA256 keyed by {@code
 * ELSPETH_FINGERPRINT_KEY}, as {@link SecretFingerprinter} makes for settings), or {@code ***}
 * without a key. The user name, host, path and the other parameters stay, so the record still says
 * where a call went.
 *
 * <p>A parameter is a credential when its name (case-insensitive, percent-decoded) is one of {@link
 * #BUILT_IN_PARAMS}, one of the run's {@code landscape.secret_url_params}, a secret-named settings
 * key ({@link SecretFingerprinter#isSecretKey}), or has a word (split on non-alphanumerics) that
 * names one ({@code key}, {@code token}, {@code signature}, ...), so {@code X-Amz-Signature} is and
 * {@code monkey} is not. Redacting is idempotent.
 */
public final class UrlRedactor {
  /** Query and fragment parameter names that carry credentials wherever they appear. */
  public static final Set<String> BUILT_IN_PARAMS =
      Set.of(
          "api_key",
          "api-key",
          "apikey",
          "key",
          "code",
          "sig",
          "signature",
          "token",
          "access_token",
          "refresh_token",
          "id_token",
          "secret",
          "client_secret",
          "password",
          "passwd",
          "pwd",
          "auth",
          "authorization",
          "credential",
          "credentials",
          "x-api-key",
          "subscription-key",
          "bearer");

  /** Words that make a parameter name a credential ({@code x-amz-signature}, {@code my_token}). */
  private static final Set<String> WORDS =
      Set.of(
          "key",
          "apikey",
          "token",
          "secret",
          "password",
          "passwd",
          "signature",
          "sig",
          "credential",
          "credentials",
          "authorization");

  /** What replaces a secret when no fingerprint key is set. */
  public static final String MASK = "***";

  /** A URL inside free text: scheme, {@code ://}, up to a space, quote or bracket. */
  private static final Pattern URL_IN_TEXT =
      Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>`\\\\]+");

  private final SecretFingerprinter fingerprinter;
  private final Set<String> params;

  /** Fingerprinting with {@code fingerprinter}; {@code extraParams} add to the built-in names. */
  public UrlRedactor(SecretFingerprinter fingerprinter, Collection<String> extraParams) {
    this.fingerprinter = fingerprinter;
    Set<String> names = new TreeSet<>(BUILT_IN_PARAMS);
    extraParams.forEach(p -> names.add(p.toLowerCase(Locale.ROOT)));
    this.params = Set.copyOf(names);
  }

  /**
   * Masking only ({@code ***}), with the built-in names: for messages shown where no key is at hand
   * (a {@code toString}, a CLI error line).
   */
  public static UrlRedactor masking() {
    return new UrlRedactor(new SecretFingerprinter(null), List.of());
  }

  /** Whether a query or fragment parameter of this name carries a credential. */
  public boolean isSecretParam(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (params.contains(n) || SecretFingerprinter.isSecretKey(n)) {
      return true;
    }
    for (String word : n.split("[^a-z0-9]+")) {
      if (WORDS.contains(word)) {
        return true;
      }
    }
    return false;
  }

  /** Every URL inside {@code text} redacted; the rest of the text unchanged. Null stays null. */
  public @Nullable String text(@Nullable String text) {
    if (text == null || !text.contains("://")) {
      return text;
    }
    Matcher m = URL_IN_TEXT.matcher(text);
    StringBuilder out = new StringBuilder(text.length());
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(url(m.group())));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** One URL ({@code scheme://[user[:password]@]host[/path][?query][#fragment]}) redacted. */
  public String url(String raw) {
    // Secrets known by value (Key Vault's) go first, wherever in the URL they were put.
    String url = fingerprinter.replaceKnownValues(raw);
    int schemeEnd = url.indexOf("://");
    if (schemeEnd < 0) {
      return url;
    }
    int authorityStart = schemeEnd + 3;
    int authorityEnd = firstOf(url, authorityStart, "/?#");
    StringBuilder out = new StringBuilder(url.length() + 80);
    out.append(url, 0, authorityStart);
    String authority = url.substring(authorityStart, authorityEnd);
    int at = authority.lastIndexOf('@');
    int colon = at < 0 ? -1 : authority.indexOf(':');
    if (colon >= 0 && colon < at) {
      out.append(authority, 0, colon + 1)
          .append(secret(authority.substring(colon + 1, at)))
          .append(authority.substring(at));
    } else {
      out.append(authority);
    }
    int queryStart = url.indexOf('?', authorityEnd);
    int fragmentStart = url.indexOf('#', authorityEnd);
    if (queryStart > fragmentStart && fragmentStart >= 0) {
      queryStart = -1; // a '?' inside the fragment belongs to the fragment
    }
    int pathEnd = queryStart >= 0 ? queryStart : fragmentStart >= 0 ? fragmentStart : url.length();
    out.append(url, authorityEnd, pathEnd);
    if (queryStart >= 0) {
      int queryEnd = fragmentStart >= 0 ? fragmentStart : url.length();
      out.append('?').append(parameters(url.substring(queryStart + 1, queryEnd)));
    }
    if (fragmentStart >= 0) {
      out.append('#').append(parameters(url.substring(fragmentStart + 1)));
    }
    return out.toString();
  }

  /** {@code a=1&api_key=K}: each credential's value replaced, order and separators kept. */
  private String parameters(String query) {
    if (query.isEmpty() || query.indexOf('=') < 0) {
      return query;
    }
    StringBuilder out = new StringBuilder(query.length() + 80);
    int start = 0;
    while (start <= query.length()) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = query.length();
      }
      String pair = query.substring(start, end);
      int eq = pair.indexOf('=');
      if (eq > 0 && isSecretParam(decode(pair.substring(0, eq)))) {
        out.append(pair, 0, eq + 1).append(secret(pair.substring(eq + 1)));
      } else {
        out.append(pair);
      }
      if (end < query.length()) {
        out.append('&');
      }
      start = end + 1;
    }
    return out.toString();
  }

  /** The recorded form of one (still percent-encoded) secret value; empty and redacted stay. */
  private String secret(String encoded) {
    if (encoded.isEmpty()
        || encoded.equals(MASK)
        || encoded.startsWith("<fingerprint:") && encoded.endsWith(">")) {
      return encoded;
    }
    String fingerprint = fingerprinter.fingerprint(decode(encoded));
    return fingerprinter.hasKey() ? "<fingerprint:" + fingerprint + ">" : MASK;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s; // a stray '%': the raw text is what was sent
    }
  }

  private static int firstOf(String s, int from, String chars) {
    for (int i = from; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return s.length();
  }
}
