package io.elspeth.audit.secrets;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Keeps secrets out of the Landscape (ELSPETH §4.6): in configuration recorded for audit, every
 * string under a secret-like key ({@code api_key}, {@code password}, {@code *_token}, ...) is
 * replaced by {@code <key>_fingerprint}, an HMAC-SHA256 keyed by {@code ELSPETH_FINGERPRINT_KEY};
 * credentials inside URLs are fingerprinted ({@link UrlRedactor}). Without a key, secrets are
 * dropped (never stored raw): the record shows {@code <key>_fingerprint: "unavailable"}.
 *
 * <p>Plugins declare which options are secrets ({@link #withDeclaredOptions}): a declared option is
 * a secret exactly when declared so, whatever its name ({@code upsert_key}, a column list, is not);
 * names nobody declared (nested mappings, headers) fall back to the name rule.
 */
public final class SecretFingerprinter {
  public static final String KEY_ENV = "ELSPETH_FINGERPRINT_KEY";

  private static final Set<String> EXACT =
      Set.of(
          "api_key",
          "api-key",
          "authorization",
          "connection_string",
          "credential",
          "password",
          "secret",
          "token",
          "x-api-key",
          "sas_token",
          "client_secret",
          "account_key");
  private static final List<String> SUFFIXES =
      List.of("_secret", "_key", "_token", "_password", "_credential", "_connection_string");

  private final @Nullable String key;
  private final List<String> secretUrlParams;
  private final Set<String> declaredSecret;
  private final Set<String> declaredPlain;

  /** Secret values known by value (Key Vault secrets), longest first. */
  private final List<String> knownValues;

  public SecretFingerprinter(@Nullable String key) {
    this(key, List.of(), Set.of(), Set.of(), List.of());
  }

  private SecretFingerprinter(
      @Nullable String key,
      Collection<String> secretUrlParams,
      Set<String> declaredSecret,
      Set<String> declaredPlain,
      List<String> knownValues) {
    this.key = key == null || key.isEmpty() ? null : key;
    this.secretUrlParams = List.copyOf(secretUrlParams);
    this.declaredSecret = Set.copyOf(declaredSecret);
    this.declaredPlain = Set.copyOf(declaredPlain);
    this.knownValues = List.copyOf(knownValues);
  }

  /**
   * This fingerprinter, also replacing each of {@code values} (secrets known by value, such as
   * those loaded from Key Vault) wherever it appears inside a string it scrubs, whatever the key: a
   * secret substituted into a URL or a header template is then fingerprinted too, as {@code
   * <fingerprint:HEX>}. Values shorter than 4 characters are not searched for.
   */
  public SecretFingerprinter withKnownValues(Collection<String> values) {
    java.util.TreeSet<String> all =
        new java.util.TreeSet<>(
            java.util.Comparator.comparingInt(String::length)
                .reversed()
                .thenComparing(java.util.Comparator.naturalOrder()));
    all.addAll(knownValues);
    values.stream().filter(v -> v != null && v.length() >= 4).forEach(all::add);
    return new SecretFingerprinter(
        key, secretUrlParams, declaredSecret, declaredPlain, new ArrayList<>(all));
  }

  /**
   * This fingerprinter, also treating {@code names} (a run's {@code landscape.secret_url_params})
   * as credential parameters in URLs when it scrubs.
   */
  public SecretFingerprinter withSecretUrlParams(Collection<String> names) {
    return new SecretFingerprinter(key, names, declaredSecret, declaredPlain, knownValues);
  }

  /**
   * This fingerprinter, knowing the option names plugins declared as secrets and those they
   * declared as something else. A name declared both ways (by two plugins) stays a secret.
   */
  public SecretFingerprinter withDeclaredOptions(
      Collection<String> secretNames, Collection<String> plainNames) {
    Set<String> secret = new HashSet<>(declaredSecret);
    secretNames.forEach(n -> secret.add(n.toLowerCase(Locale.ROOT)));
    Set<String> plain = new HashSet<>(declaredPlain);
    plainNames.forEach(n -> plain.add(n.toLowerCase(Locale.ROOT)));
    plain.removeAll(secret);
    return new SecretFingerprinter(key, secretUrlParams, secret, plain, knownValues);
  }

  /** Whether a configuration key holds a secret: as declared, else by its name. */
  public boolean isSecret(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return declaredSecret.contains(n) || !declaredPlain.contains(n) && isSecretKey(n);
  }

  /** Development mode: secrets may run without a key; they are then left out of the record. */
  public static final String ALLOW_RAW_ENV = "ELSPETH_ALLOW_RAW_SECRETS";

  /**
   * Keyed from {@code ELSPETH_FINGERPRINT_KEY} (or the system property elspeth.fingerprint.key).
   */
  public static SecretFingerprinter fromEnvironment() {
    String key = System.getenv(KEY_ENV);
    SecretFingerprinter f =
        new SecretFingerprinter(key != null ? key : System.getProperty("elspeth.fingerprint.key"));
    return PROCESS_KNOWN.isEmpty() ? f : f.withKnownValues(PROCESS_KNOWN);
  }

  /** Whether fingerprints can be made (a key is set). */
  public boolean hasKey() {
    return key != null;
  }

  /** Whether {@code ELSPETH_ALLOW_RAW_SECRETS=true} (or elspeth.allow-raw-secrets) is set. */
  public static boolean rawSecretsAllowed() {
    String v = System.getenv(ALLOW_RAW_ENV);
    return "true".equalsIgnoreCase(v != null ? v : System.getProperty("elspeth.allow-raw-secrets"));
  }

  /**
   * Key paths of every secret string in a configuration tree (e.g. transforms[0].options.api_key).
   */
  public List<String> secretPaths(@Nullable Object config) {
    List<String> paths = new ArrayList<>();
    collect(config, "", paths);
    return paths;
  }

  private void collect(@Nullable Object value, String path, List<String> out) {
    if (value instanceof Map<?, ?> map) {
      map.forEach(
          (k, v) -> {
            String p = path.isEmpty() ? k.toString() : path + "." + k;
            if (isSecret(k.toString()) && v instanceof String s && !s.isEmpty()) {
              out.add(p);
            } else {
              collect(v, p, out);
            }
          });
    } else if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        collect(list.get(i), path + "[" + i + "]", out);
      }
    }
  }

  /** Whether a configuration key's name looks like a secret's (the rule for undeclared names). */
  public static boolean isSecretKey(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return EXACT.contains(n) || SUFFIXES.stream().anyMatch(n::endsWith);
  }

  /** HMAC-SHA256 fingerprint of a secret, 64 hex chars; "unavailable" without a key. */
  public String fingerprint(String secret) {
    if (key == null) {
      return "unavailable";
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required by the Java platform", e);
    }
  }

  /** A copy of a configuration tree fit for the audit record (see below). */
  public @Nullable Object scrub(@Nullable Object value) {
    return scrub(value, secretUrlParams);
  }

  /**
   * A copy of a configuration tree fit for the audit record: secret-named strings fingerprinted,
   * and credentials inside any URL-shaped string ({@link UrlRedactor}, with {@code extraUrlParams}
   * as the run's {@code landscape.secret_url_params}) fingerprinted.
   */
  public @Nullable Object scrub(@Nullable Object value, Collection<String> extraUrlParams) {
    List<String> names = new ArrayList<>(secretUrlParams);
    names.addAll(extraUrlParams);
    return scrub(value, new UrlRedactor(this, names));
  }

  private @Nullable Object scrub(@Nullable Object value, UrlRedactor urls) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String k = e.getKey().toString();
        Object v = e.getValue();
        if (isSecret(k) && v instanceof String s) {
          out.put(k + "_fingerprint", fingerprint(s));
        } else {
          out.put(k, scrub(v, urls));
        }
      }
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(v -> out.add(scrub(v, urls)));
      return out;
    }
    if (value instanceof String s) {
      String known = replaceKnownValues(s);
      return known.contains("://") ? urls.text(known) : known;
    }
    return value;
  }

  /**
   * Secret values this JVM learned by value (the Key Vault secrets of the settings it loaded):
   * every fingerprinter {@link #fromEnvironment()} makes replaces them, so a client built on a
   * worker of this JVM scrubs them from what it records even where they are not under a
   * secret-named key or credential parameter.
   */
  private static final Set<String> PROCESS_KNOWN =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Adds to the values every {@link #fromEnvironment()} fingerprinter replaces. */
  public static void registerKnownValues(Collection<String> values) {
    values.stream().filter(v -> v != null && v.length() >= 4).forEach(PROCESS_KNOWN::add);
  }

  /** {@code s} with every known secret value replaced by {@code <fingerprint:HEX>}. */
  public String replaceKnownValues(String s) {
    String out = s;
    for (String v : knownValues) {
      if (out.contains(v)) {
        out = out.replace(v, "<fingerprint:" + fingerprint(v) + ">");
      }
    }
    return out;
  }
}
