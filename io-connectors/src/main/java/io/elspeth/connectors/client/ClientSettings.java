package io.elspeth.connectors.client;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Run-level settings every audited client honours: the {@code retry} policy, the {@code
 * rate_limit}s per service, and the extra query-parameter names whose values are credentials in a
 * URL ({@code landscape.secret_url_params}, added to the built-in names of {@link
 * io.elspeth.audit.secrets.UrlRedactor}). Built by the graph builder from the validated settings
 * and handed to each external-call transform.
 */
public record ClientSettings(RetryPolicy retry, RateLimits rateLimits, List<String> secretUrlParams)
    implements Serializable {

  public ClientSettings {
    secretUrlParams = List.copyOf(secretUrlParams);
  }

  /** With the built-in credential parameter names only. */
  public ClientSettings(RetryPolicy retry, RateLimits rateLimits) {
    this(retry, rateLimits, List.of());
  }

  public static ClientSettings defaults() {
    return new ClientSettings(RetryPolicy.defaults(), RateLimits.none());
  }

  /**
   * From the validated settings tree (its {@code retry} and {@code rate_limit} sections and {@code
   * landscape.secret_url_params}).
   */
  @SuppressWarnings("unchecked")
  public static ClientSettings from(Map<String, Object> settings, String runId) {
    Object retry = settings.get("retry");
    Object rate = settings.get("rate_limit");
    return new ClientSettings(
        RetryPolicy.from(retry instanceof Map<?, ?> m ? (Map<String, Object>) m : null),
        RateLimits.from(rate instanceof Map<?, ?> m ? (Map<String, Object>) m : null, runId),
        secretUrlParams(settings));
  }

  /** {@code landscape.secret_url_params} of a validated settings tree; empty when absent. */
  public static List<String> secretUrlParams(Map<String, Object> settings) {
    List<String> names = new ArrayList<>();
    if (settings.get("landscape") instanceof Map<?, ?> landscape
        && landscape.get("secret_url_params") instanceof List<?> list) {
      list.forEach(n -> names.add(String.valueOf(n)));
    }
    return names;
  }
}
