package io.elspeth.transforms.safety;

import io.elspeth.connectors.client.AuditedHttpClient;
import io.elspeth.connectors.client.CallSink;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.ExternalCallException;
import io.elspeth.connectors.client.PoolSettings;
import io.elspeth.transforms.step.ExternalCallTransform;
import io.elspeth.transforms.step.TransformResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Base of the Azure AI Content Safety transforms: for each configured field holding text ({@code
 * fields}: a name, a list, or {@code all} for every string field) one audited {@code POST
 * {endpoint}/contentsafety/<operation>?api-version=...} with the {@code Ocp-Apim-Subscription-Key}
 * header (fingerprinted in the record). The first field the service flags rejects the row with what
 * it found; a call that fails for good is a processing error; a row that passes continues
 * unchanged.
 */
abstract class SafetyTransform extends ExternalCallTransform {
  static final String API_VERSION = "2024-09-01";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final String url;
  private final String apiKey;
  private final List<String> fields;
  private transient @Nullable AuditedHttpClient http;

  SafetyTransform(
      String endpoint,
      String operation,
      String apiKey,
      List<String> fields,
      ClientSettings client,
      PoolSettings pool,
      String service) {
    super(client, pool, service);
    this.url =
        (endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint)
            + "/contentsafety/"
            + operation
            + "?api-version="
            + API_VERSION;
    this.apiKey = apiKey;
    this.fields = List.copyOf(fields);
  }

  @Override
  public void setup() {
    http = AuditedHttpClient.create(TIMEOUT, clientSettings().secretUrlParams());
  }

  @Override
  public void teardown() {
    if (http != null) {
      http.close();
    }
  }

  private AuditedHttpClient http() {
    if (http == null) {
      throw new IllegalStateException("setup() was not called");
    }
    return http;
  }

  /** The request body for one text. */
  abstract Map<String, Object> body(String text);

  /**
   * What the service found in one field's text: null when it passed, else the rejection reason;
   * throws when the answer is not the documented shape.
   */
  abstract @Nullable Map<String, Object> verdict(String field, Map<?, ?> answer)
      throws ExternalCallException;

  @Override
  public TransformResult apply(Map<String, Object> row, CallSink calls) {
    List<String> scanned =
        fields.size() == 1 && fields.get(0).equals("all") ? new ArrayList<>(row.keySet()) : fields;
    for (String field : scanned) {
      if (!(row.get(field) instanceof String text)) {
        continue;
      }
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("Ocp-Apim-Subscription-Key", apiKey);
      headers.put("Content-Type", "application/json");
      try {
        // The verdict is read before the call is recorded, so an answer without the documented
        // shape is recorded as the failed call it is.
        // Optional: the reader's result is not null, a passed field has no rejection.
        Optional<Map<String, Object>> rejection =
            call(
                () ->
                    http()
                        .post(
                            url,
                            headers,
                            body(text),
                            TIMEOUT,
                            calls,
                            r -> {
                              if (!(r.body() instanceof Map<?, ?> answer)
                                  || AuditedHttpClient.isUnparsedJson(r.body())) {
                                throw new ExternalCallException(
                                    ExternalCallException.Kind.INVALID_RESPONSE,
                                    "response is not a JSON object",
                                    r.statusCode());
                              }
                              return Optional.ofNullable(verdict(field, answer));
                            }));
        if (rejection.isPresent()) {
          return TransformResult.error(rejection.get());
        }
      } catch (ExternalCallException e) {
        Map<String, Object> reason = e.rowError("api_call_failed");
        reason.put("field", field);
        return TransformResult.error(reason);
      }
    }
    return TransformResult.success(row);
  }
}
