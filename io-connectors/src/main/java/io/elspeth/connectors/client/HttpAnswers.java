package io.elspeth.connectors.client;

import io.elspeth.connectors.client.AuditedHttpClient.Response;
import io.elspeth.connectors.client.AuditedHttpClient.ResponseReader;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How an {@link AuditedHttpClient} call that got an answer, live or replayed, is read and recorded:
 * an answer the caller's reader accepts is a success; one it rejects, and any other status, is an
 * error recorded with the response and thrown classified.
 */
final class HttpAnswers {
  private HttpAnswers() {}

  /**
   * Reads and records an answer, live or replayed: {@code response} as it is recorded. With {@code
   * redirectIsAnswer} (a page fetch that follows redirects itself), a 3xx with a {@code Location}
   * is an answer too.
   */
  static <T> T answered(
      Map<String, Object> request,
      int index,
      double latency,
      CallSink sink,
      ResponseReader<T> reader,
      Map<String, Object> response,
      byte[] bytes,
      boolean redirectIsAnswer)
      throws ExternalCallException {
    int status =
        ((Number)
                Objects.requireNonNull(
                    response.get("status_code"), "a recorded response has its status_code"))
            .intValue();
    @SuppressWarnings("unchecked")
    Map<String, Object> headers =
        response.get("headers") instanceof Map<?, ?> h ? (Map<String, Object>) h : Map.of();
    boolean ok = isAnswer(status, redirectIsAnswer, header(headers, "location") != null);
    Object body = response.get("body");
    if (ok) {
      T value;
      try {
        value = reader.read(new Response(status, headers, body, bytes));
      } catch (ExternalCallException e) {
        CallAudit.record(
            sink, index, "http", CallAudit.ERROR, request, response, e.toError(), latency);
        throw e;
      } catch (RuntimeException e) {
        ExternalCallException failure =
            new ExternalCallException(
                ExternalCallException.Kind.INVALID_RESPONSE,
                "unreadable response: " + e.getClass().getSimpleName(),
                status);
        CallAudit.record(
            sink, index, "http", CallAudit.ERROR, request, response, failure.toError(), latency);
        throw failure;
      }
      CallAudit.record(sink, index, "http", CallAudit.SUCCESS, request, response, null, latency);
      return value;
    }
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("type", "HTTPError");
    error.put("message", "HTTP " + status);
    error.put("status_code", status);
    CallAudit.record(sink, index, "http", CallAudit.ERROR, request, response, error, latency);
    throw new ExternalCallException(
            ExternalCallException.forStatus(status), "HTTP " + status, status)
        .withRetryAfter(
            RetryPolicy.retryAfter(
                header(headers, "retry-after-ms"), header(headers, "retry-after"), Instant.now()));
  }

  /**
   * Whether a status answers the call: a 2xx, or for a page fetch that follows redirects itself a
   * 3xx with a {@code Location}.
   */
  static boolean isAnswer(int status, boolean redirectIsAnswer, boolean hasLocation) {
    return status >= 200 && status < 300
        || redirectIsAnswer && status >= 300 && status < 400 && hasLocation;
  }

  private static @Nullable String header(Map<String, Object> headers, String name) {
    for (Map.Entry<String, Object> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name) && e.getValue() != null) {
        return String.valueOf(e.getValue());
      }
    }
    return null;
  }
}
