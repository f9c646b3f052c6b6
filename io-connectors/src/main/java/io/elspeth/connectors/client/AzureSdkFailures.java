package io.elspeth.connectors.client;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.util.BinaryData;
import io.elspeth.audit.secrets.UrlRedactor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a failed Azure SDK call is, in ELSPETH's terms: its classification by status code and
 * message (content policy, context length, retryable or not, with the service's retry-after), and
 * what its error status brought back, for the call record.
 */
final class AzureSdkFailures {
  private AzureSdkFailures() {}

  /** ELSPETH's classification of an SDK failure, by status code and message. */
  static ExternalCallException classify(RuntimeException e) {
    return classify(e, UrlRedactor.masking());
  }

  /** As above, any URL in the message redacted by {@code urls}. */
  static ExternalCallException classify(RuntimeException e, UrlRedactor urls) {
    ExternalCallException c = classifyRaw(e);
    String redacted = urls.text(c.getMessage());
    return redacted == null || redacted.equals(c.getMessage())
        ? c
        : new ExternalCallException(c.kind(), redacted, c.statusCode())
            .withRetryAfter(c.retryAfter());
  }

  private static ExternalCallException classifyRaw(RuntimeException e) {
    if (e instanceof HttpResponseException h && h.getResponse() != null) {
      int status = h.getResponse().getStatusCode();
      String m = String.valueOf(h.getMessage()).toLowerCase(Locale.ROOT);
      ExternalCallException.Kind kind = ExternalCallException.forStatus(status);
      if (status == 400
          && (m.contains("content_filter")
              || m.contains("content management")
              || m.contains("responsibleaipolicyviolation"))) {
        kind = ExternalCallException.Kind.CONTENT_POLICY;
      } else if (status == 400 && (m.contains("context_length") || m.contains("maximum context"))) {
        kind = ExternalCallException.Kind.CONTEXT_LENGTH;
      }
      return new ExternalCallException(
              kind, "HTTP " + status + ": " + firstLine(h.getMessage()), status)
          .withRetryAfter(
              RetryPolicy.retryAfter(
                  h.getResponse()
                      .getHeaders()
                      .getValue(HttpHeaderName.fromString("retry-after-ms")),
                  h.getResponse().getHeaders().getValue(HttpHeaderName.RETRY_AFTER),
                  Instant.now()));
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String name = t.getClass().getName();
      if (name.contains("Json") || name.contains("Deserializ")) {
        return new ExternalCallException(
            ExternalCallException.Kind.INVALID_RESPONSE,
            "unreadable response: " + t.getClass().getSimpleName(),
            null);
      }
      if (t instanceof IOException || t instanceof TimeoutException) {
        return new ExternalCallException(
            ExternalCallException.Kind.NETWORK,
            t.getClass().getSimpleName() + ": " + firstLine(t.getMessage()),
            null);
      }
    }
    return new ExternalCallException(
        ExternalCallException.Kind.CLIENT,
        e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()),
        null);
  }

  private static String firstLine(@Nullable String m) {
    if (m == null) {
      return "";
    }
    String line = m.lines().findFirst().orElse("");
    return line.length() > 500 ? line.substring(0, 500) : line;
  }

  /** What an error status brought: {@code {status_code, body_size?, body?}}; null without one. */
  static @Nullable Map<String, Object> errorResponse(RuntimeException e) {
    if (!(e instanceof HttpResponseException h) || h.getResponse() == null) {
      return null;
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("status_code", h.getResponse().getStatusCode());
    byte[] bytes = null;
    try {
      BinaryData body = h.getResponse().getBodyAsBinaryData();
      bytes = body == null ? null : body.toBytes();
    } catch (RuntimeException unreadable) {
      // Already consumed by the SDK: the value it read, if any, is below.
    }
    if (bytes == null && h.getValue() instanceof BinaryData value) {
      bytes = value.toBytes();
    } else if (bytes == null && h.getValue() instanceof String text) {
      bytes = text.getBytes(StandardCharsets.UTF_8);
    }
    if (bytes != null) {
      response.put("body_size", bytes.length);
      response.put(
          "body",
          AuditedHttpClient.body(
              bytes,
              String.valueOf(h.getResponse().getHeaderValue(HttpHeaderName.CONTENT_TYPE))
                  .toLowerCase(Locale.ROOT)));
    }
    return response;
  }
}
