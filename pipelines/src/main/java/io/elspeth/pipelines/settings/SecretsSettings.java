package io.elspeth.pipelines.settings;

import io.elspeth.plugin.OptionsValidator;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The top-level {@code secrets:} block, as ELSPETH reads it: where the values of {@code ${VAR}}
 * references come from. {@code source: env} (the default) is the environment and {@code .env};
 * {@code source: keyvault} fetches each {@code mapping} entry (environment variable name → Key
 * Vault secret name) from the vault at {@code vault_url} before variables are substituted, and the
 * fetched values override the environment's.
 *
 * @param source {@code env} or {@code keyvault}
 * @param vaultUrl the vault's literal https URL (no trailing slash); null for {@code env}
 * @param mapping variable name → secret name, in file order
 */
public record SecretsSettings(
    String source, @Nullable String vaultUrl, Map<String, String> mapping) {

  public static final String KEY = "secrets";
  private static final List<String> KEYS = List.of("source", "vault_url", "mapping");

  public SecretsSettings {
    mapping = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(mapping));
  }

  /** No {@code secrets:} block: the environment. */
  public static SecretsSettings env() {
    return new SecretsSettings("env", null, Map.of());
  }

  public boolean fromKeyVault() {
    return source.equals("keyvault");
  }

  /**
   * Parses the raw (not yet substituted) {@code secrets:} value, adding each problem to {@code
   * problems} under {@code secrets.<key>}; null or absent is {@link #env()}.
   */
  public static SecretsSettings parse(@Nullable Object raw, List<String> problems) {
    if (raw == null) {
      return env();
    }
    if (!(raw instanceof Map<?, ?> map)) {
      problems.add(
          "secrets: expected a mapping (source, vault_url, mapping), got "
              + OptionsValidator.describe(raw));
      return env();
    }
    int before = problems.size();
    for (Object key : map.keySet()) {
      if (!KEYS.contains(String.valueOf(key))) {
        problems.add("secrets." + key + ": unknown key (expected one of " + KEYS + ")");
      }
    }
    Object source = map.get("source") == null ? "env" : map.get("source");
    if (!"env".equals(source) && !"keyvault".equals(source)) {
      problems.add(
          "secrets.source: expected 'env' or 'keyvault', got " + OptionsValidator.describe(source));
    }
    String vaultUrl = vaultUrl(map.get("vault_url"), problems);
    Map<String, String> mapping = mapping(map.get("mapping"), problems);
    if ("keyvault".equals(source)) {
      if (vaultUrl == null && map.get("vault_url") == null) {
        problems.add(
            "secrets.vault_url: required when secrets.source is 'keyvault'"
                + " (https://<vault>.vault.azure.net)");
      }
      if (mapping.isEmpty() && problems.size() == before) {
        problems.add(
            "secrets.mapping: required when secrets.source is 'keyvault' (a mapping of"
                + " environment variable name to Key Vault secret name; cannot be empty)");
      }
    }
    if (problems.size() > before) {
      return env();
    }
    return new SecretsSettings((String) source, vaultUrl, mapping);
  }

  private static @Nullable String vaultUrl(@Nullable Object raw, List<String> problems) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof String s)) {
      problems.add("secrets.vault_url: expected a string, got " + OptionsValidator.describe(raw));
      return null;
    }
    if (s.contains("${")) {
      // The vault is read before variables are substituted: a variable here could never be set.
      problems.add(
          "secrets.vault_url: cannot contain ${VAR} references (secrets are loaded"
              + " before variables are substituted); write the literal https URL");
      return null;
    }
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      problems.add("secrets.vault_url: not a URL: " + s);
      return null;
    }
    if (uri.getScheme() == null || uri.getHost() == null) {
      problems.add("secrets.vault_url: not a URL: " + s);
      return null;
    }
    if (!uri.getScheme().equalsIgnoreCase("https")) {
      problems.add("secrets.vault_url: must use https, got " + uri.getScheme() + "://");
      return null;
    }
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static Map<String, String> mapping(@Nullable Object raw, List<String> problems) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null) {
      return out;
    }
    if (!(raw instanceof Map<?, ?> map)) {
      problems.add(
          "secrets.mapping: expected a mapping of environment variable name to Key"
              + " Vault secret name, got "
              + OptionsValidator.describe(raw));
      return out;
    }
    List<String> bad = new ArrayList<>();
    map.forEach(
        (k, v) -> {
          String name = String.valueOf(k);
          if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            bad.add(
                "secrets.mapping."
                    + name
                    + ": not an environment variable name"
                    + " (letters, digits and _, not starting with a digit)");
          } else if (!(v instanceof String s) || s.isBlank()) {
            bad.add(
                "secrets.mapping."
                    + name
                    + ": expected the Key Vault secret name, got "
                    + OptionsValidator.describe(v));
          } else if (!s.matches("[0-9A-Za-z-]{1,127}")) {
            bad.add(
                "secrets.mapping."
                    + name
                    + ": '"
                    + s
                    + "' is not a Key Vault secret name"
                    + " (1-127 letters, digits and dashes)");
          } else {
            out.put(name, s);
          }
        });
    problems.addAll(bad);
    return out;
  }
}
