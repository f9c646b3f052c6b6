package io.elspeth.connectors.client;

import static io.elspeth.connectors.client.AuditedSearchClient.Settings.DEFAULT_API_VERSION;
import static io.elspeth.connectors.client.AuditedSearchClient.Settings.DEFAULT_TIMEOUT_SECONDS;
import static io.elspeth.connectors.client.AuditedSearchClient.Settings.DEFAULT_VECTOR_FIELD;
import static io.elspeth.connectors.client.AuditedSearchClient.Settings.KEYS;

import io.elspeth.connectors.client.AuditedSearchClient.Mode;
import io.elspeth.connectors.client.AuditedSearchClient.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Its one job: reading an Azure AI Search {@code provider_config} into {@link Settings}, naming
 * every problem ({@link Settings#parse} delegates here).
 */
final class SearchSettingsParser {
  private static final Pattern INDEX = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_-]*");
  private static final Pattern API_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?");

  private SearchSettingsParser() {}

  static @Nullable Settings parse(Map<String, Object> config, List<String> problems) {
    int before = problems.size();
    for (String key : config.keySet()) {
      if (!KEYS.contains(key)) {
        problems.add(
            "provider_config."
                + key
                + ": unknown key for provider 'azure_search' (expected one of "
                + String.join(", ", KEYS)
                + ")");
      }
    }
    String endpoint = text(config, "endpoint", true, problems);
    if (endpoint != null) {
      java.net.URI uri = null;
      try {
        uri = java.net.URI.create(endpoint);
      } catch (IllegalArgumentException e) {
        problems.add("provider_config.endpoint: not a URL: " + endpoint);
      }
      if (uri != null && !"https".equalsIgnoreCase(uri.getScheme())) {
        problems.add(
            "provider_config.endpoint: must use https, got "
                + (uri.getScheme() == null ? "no scheme" : "'" + uri.getScheme() + "'"));
      } else if (uri != null && (uri.getHost() == null || uri.getHost().isEmpty())) {
        problems.add("provider_config.endpoint: must have a host name, got " + endpoint);
      }
    }
    String index = text(config, "index", true, problems);
    if (index != null && !INDEX.matcher(index).matches()) {
      problems.add(
          "provider_config.index: letters, digits, '-' and '_' only, starting with a letter or"
              + " digit, got '"
              + index
              + "'");
    }
    String apiKey = text(config, "api_key", false, problems);
    if (apiKey != null && (apiKey.indexOf('\r') >= 0 || apiKey.indexOf('\n') >= 0)) {
      problems.add("provider_config.api_key: must not contain line breaks");
    } else if (apiKey != null && apiKey.indexOf('\0') >= 0) {
      problems.add("provider_config.api_key: must not contain null bytes");
    } else if (apiKey != null && apiKey.length() > 256) {
      problems.add("provider_config.api_key: longer than 256 characters (" + apiKey.length() + ")");
    }
    boolean managed = false;
    Object mi = config.get("use_managed_identity");
    if (mi != null && !(mi instanceof Boolean)) {
      problems.add("provider_config.use_managed_identity: expected true or false, got " + mi);
    } else if (mi != null) {
      managed = (Boolean) mi;
    }
    boolean hasKey = apiKey != null && !apiKey.isEmpty();
    if (!hasKey && !managed) {
      problems.add("provider_config.api_key: give either api_key or use_managed_identity: true");
    } else if (hasKey && managed) {
      problems.add(
          "provider_config.use_managed_identity: give only one of api_key and"
              + " use_managed_identity: true");
    }
    String apiVersion = text(config, "api_version", false, problems);
    if (apiVersion != null && !API_VERSION.matcher(apiVersion).matches()) {
      problems.add(
          "provider_config.api_version: expected YYYY-MM-DD or YYYY-MM-DD-preview, got '"
              + apiVersion
              + "'");
    }
    String modeName = text(config, "search_mode", false, problems);
    Mode mode = modeName == null ? Mode.HYBRID : Mode.named(modeName);
    if (mode == null) {
      problems.add(
          "provider_config.search_mode: expected one of vector, keyword, hybrid, semantic, got '"
              + modeName
              + "'");
    }
    double timeout = DEFAULT_TIMEOUT_SECONDS;
    Object t = config.get("request_timeout");
    if (t != null) {
      if (!(t instanceof Number n) || !(n.doubleValue() > 0) || n.doubleValue() > 3600) {
        problems.add(
            "provider_config.request_timeout: expected a positive number of seconds, got " + t);
      } else {
        timeout = n.doubleValue();
      }
    }
    String vectorField = text(config, "vector_field", false, problems);
    String semantic = text(config, "semantic_config", false, problems);
    if (mode == Mode.SEMANTIC && (semantic == null || semantic.isEmpty())) {
      problems.add(
          "provider_config.semantic_config: required when search_mode is semantic (the name of"
              + " the index's semantic configuration)");
    }
    if (problems.size() > before) {
      return null;
    }
    return new Settings(
        Objects.requireNonNull(endpoint, "validated"),
        Objects.requireNonNull(index, "validated"),
        hasKey ? apiKey : null,
        managed,
        apiVersion == null ? DEFAULT_API_VERSION : apiVersion,
        Objects.requireNonNull(mode, "validated"),
        Duration.ofMillis(Math.round(timeout * 1000)),
        vectorField == null ? DEFAULT_VECTOR_FIELD : vectorField,
        semantic);
  }

  private static @Nullable String text(
      Map<String, Object> config, String key, boolean required, List<String> problems) {
    Object v = config.get(key);
    if (v == null) {
      if (required) {
        problems.add("provider_config." + key + ": required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      problems.add(
          "provider_config."
              + key
              + ": expected a string"
              + (key.equals("api_key") ? "" : ", got " + v));
      return null;
    }
    return s;
  }
}
