package io.elspeth.connectors.client;

import java.io.Serializable;
import java.util.Map;

/**
 * Run-level settings every audited client honours: the {@code retry} policy and the
 * {@code rate_limit}s per service. Built by the graph builder from the validated settings and
 * handed to each external-call transform.
 */
public record ClientSettings(RetryPolicy retry, RateLimits rateLimits) implements Serializable {

  public static ClientSettings defaults() {
    return new ClientSettings(RetryPolicy.defaults(), RateLimits.none());
  }

  /** From the validated settings tree (its {@code retry} and {@code rate_limit} sections). */
  @SuppressWarnings("unchecked")
  public static ClientSettings from(Map<String, Object> settings, String runId) {
    Object retry = settings.get("retry");
    Object rate = settings.get("rate_limit");
    return new ClientSettings(
        RetryPolicy.from(retry instanceof Map<?, ?> m ? (Map<String, Object>) m : null),
        RateLimits.from(rate instanceof Map<?, ?> m ? (Map<String, Object>) m : null, runId));
  }
}
