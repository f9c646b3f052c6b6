package io.elspeth.connectors.client;

import io.elspeth.connectors.client.AuditedSearchClient.Chunk;
import io.elspeth.connectors.client.AuditedSearchClient.Mode;
import io.elspeth.connectors.client.AuditedSearchClient.Result;
import io.elspeth.connectors.client.AuditedSearchClient.Settings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Its one job: reading a 2xx Azure AI Search body into a {@link Result}, scores normalised by the
 * settings' mode, unusable results skipped and named.
 */
final class SearchResultReader {
  private final Settings settings;

  SearchResultReader(Settings settings) {
    this.settings = settings;
  }

  /** Reads a 2xx body into chunks, ELSPETH's way. */
  Result read(@Nullable Object body, double minScore, int status) throws ExternalCallException {
    if (!(body instanceof Map<?, ?> json) || AuditedHttpClient.isUnparsedJson(body)) {
      throw new ExternalCallException(
          ExternalCallException.Kind.INVALID_RESPONSE,
          "malformed JSON response from Azure AI Search",
          status);
    }
    if (!(json.get("value") instanceof List<?> items)) {
      throw new ExternalCallException(
          ExternalCallException.Kind.INVALID_RESPONSE,
          "Azure AI Search response missing 'value' array",
          status);
    }
    List<Chunk> chunks = new ArrayList<>();
    List<Map<String, Object>> skipped = new ArrayList<>();
    for (Object o : items) {
      if (!(o instanceof Map<?, ?> item)) {
        skipped.add(skip("not_an_object", null));
        continue;
      }
      Object raw = item.get("@search.score");
      if (raw == null) {
        skipped.add(skip("missing_score", item.get("id")));
        continue;
      }
      if (!(raw instanceof Number n)) {
        Map<String, Object> s = skip("invalid_score_type", item.get("id"));
        s.put("type", raw.getClass().getSimpleName());
        skipped.add(s);
        continue;
      }
      double score = normalize(n.doubleValue(), status);
      if (score < minScore) {
        continue;
      }
      Object content = item.get("content");
      if (content == null) {
        skipped.add(skip("missing_content", item.get("id")));
        continue;
      }
      if (!(content instanceof String text)) {
        skipped.add(skip("invalid_content_type", item.get("id")));
        continue;
      }
      if (text.isEmpty()) {
        skipped.add(skip("empty_content", item.get("id")));
        continue;
      }
      Object id = item.get("id");
      if (id == null || id instanceof String s && s.isEmpty()) {
        id = item.get("@search.documentId");
      }
      if (id == null) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("reason", "missing_id");
        s.put("keys", item.keySet().stream().map(String::valueOf).toList());
        skipped.add(s);
        continue;
      }
      Map<String, Object> metadata = new LinkedHashMap<>();
      item.forEach(
          (k, v) -> {
            String key = String.valueOf(k);
            if (!key.equals("@search.score") && !key.equals("content") && !key.equals("id")) {
              metadata.put(key, v);
            }
          });
      chunks.add(new Chunk(text, score, String.valueOf(id), metadata));
    }
    // Stable: equal scores keep the service's order, as Python's sort does.
    chunks.sort(Comparator.comparingDouble(Chunk::score).reversed());
    return new Result(chunks, skipped);
  }

  private double normalize(double raw, int status) throws ExternalCallException {
    if (!Double.isFinite(raw)) {
      throw new ExternalCallException(
          ExternalCallException.Kind.INVALID_RESPONSE,
          "Azure AI Search returned a non-finite score: " + raw,
          status);
    }
    Mode m = settings.mode();
    double normalized = (raw - m.min) / (m.max - m.min);
    return Math.max(0.0, Math.min(1.0, normalized));
  }

  private static Map<String, Object> skip(String reason, @Nullable Object id) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("reason", reason);
    s.put("id", id);
    return s;
  }
}
