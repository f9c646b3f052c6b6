package io.elspeth.testkit.chaosllm;

import java.util.Map;

/**
 * A snapshot of what a {@link ChaosLlmServer} has answered since start or the last reset. Only API
 * requests count ({@code /health} and {@code /admin/*} do not). A request is counted before its
 * response is sent, so a client that has its answer finds it here.
 *
 * @param totalRequests API requests received
 * @param requestsByEndpoint by route template, e.g. {@code
 *     /openai/deployments/{deployment}/chat/completions}
 * @param requestsByOutcome {@code success}, a {@link FaultKind#key()}, {@code unauthorized}, {@code
 *     bad_request} or {@code no_route}
 * @param requestsByStatus by HTTP status sent; 0 for connections dropped without a response
 */
public record ChaosStats(
    long totalRequests,
    Map<String, Long> requestsByEndpoint,
    Map<String, Long> requestsByOutcome,
    Map<Integer, Long> requestsByStatus) {

  public ChaosStats {
    requestsByEndpoint = Map.copyOf(requestsByEndpoint);
    requestsByOutcome = Map.copyOf(requestsByOutcome);
    requestsByStatus = Map.copyOf(requestsByStatus);
  }

  /** Requests with this outcome ({@code success}, a fault key, ...). */
  public long outcome(String outcome) {
    return requestsByOutcome.getOrDefault(outcome, 0L);
  }

  /** Requests that got this fault. */
  public long outcome(FaultKind kind) {
    return outcome(kind.key());
  }

  /** Requests answered with this HTTP status (0: dropped without a response). */
  public long status(int status) {
    return requestsByStatus.getOrDefault(status, 0L);
  }

  /** Requests to this route template. */
  public long endpoint(String routeTemplate) {
    return requestsByEndpoint.getOrDefault(routeTemplate, 0L);
  }
}
