package io.elspeth.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.payload.PayloadStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * LLM tokens of one step of a run, per model: the {@code usage} and {@code model} of each LLM
 * call's stored response (the audited LLM client stores {@code {content, model, usage}}), and the
 * estimated cost when the model has a price. The Landscape keeps usage only in the response
 * payloads, so each call's response is read from the payload store: responses that are not there
 * (no store, purged, never stored) are counted as {@code unread}, never guessed.
 *
 * @param calls LLM calls of the step with this model (or all, for model {@code ?} when unread)
 * @param cost estimated US dollars, null when the model has no price or nothing was read
 */
record LlmUsage(
    String nodeId,
    String model,
    long calls,
    long unread,
    long promptTokens,
    long completionTokens,
    long totalTokens,
    @Nullable Double cost) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The model named for calls whose response could not be read. */
  static final String UNKNOWN_MODEL = "?";

  /** The step's LLM calls, through the node_states(node_id) and calls(state_id) indexes. */
  static final String LLM_CALLS_OF_NODE =
      "SELECT c.response_ref FROM node_states s"
          + " JOIN calls c ON c.state_id = s.state_id"
          + " WHERE s.node_id = ? AND s.run_id = ? AND c.call_type = 'llm' AND c.status = 'success'";

  /**
   * The LLM usage of {@code nodeId} in {@code runId}, one entry per model, without cost (see {@link
   * #priced}); empty: no LLM call.
   */
  static List<LlmUsage> read(
      Connection c, String runId, String nodeId, @Nullable PayloadStore payloads)
      throws SQLException {
    Map<String, long[]> byModel = new TreeMap<>();
    try (PreparedStatement ps = LandscapeReads.prepare(c, LLM_CALLS_OF_NODE, nodeId, runId);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        JsonNode response = response(payloads, rs.getString(1));
        JsonNode usage = response == null ? null : response.get("usage");
        if (response == null || usage == null || !usage.isObject()) {
          byModel.computeIfAbsent(UNKNOWN_MODEL, k -> new long[5])[1]++;
          continue;
        }
        String model = response.path("model").asText(UNKNOWN_MODEL);
        long[] a =
            byModel.computeIfAbsent(model.isEmpty() ? UNKNOWN_MODEL : model, k -> new long[5]);
        a[0]++;
        a[2] += usage.path("prompt_tokens").asLong(0);
        a[3] += usage.path("completion_tokens").asLong(0);
        a[4] += usage.path("total_tokens").asLong(0);
      }
    }
    List<LlmUsage> out = new ArrayList<>();
    byModel.forEach(
        (model, a) ->
            out.add(new LlmUsage(nodeId, model, a[0] + a[1], a[1], a[2], a[3], a[4], null)));
    return out;
  }

  /**
   * This usage with its estimated cost at {@code prices}: applied when a page is drawn, since
   * prices are the console's and the usage may have been recorded when the run ended.
   */
  LlmUsage priced(LlmPrices prices) {
    long read = calls - unread;
    Double estimate =
        read == 0
            ? null
            : prices
                .of(model)
                .map(
                    p ->
                        (promptTokens * p.promptPerMillion()
                                + completionTokens * p.completionPerMillion())
                            / 1_000_000.0)
                .orElse(null);
    return new LlmUsage(
        nodeId, model, calls, unread, promptTokens, completionTokens, totalTokens, estimate);
  }

  /** The stored response, or null when it cannot be read (not stored, purged, corrupt). */
  private static @Nullable JsonNode response(
      @Nullable PayloadStore payloads, @Nullable String ref) {
    if (payloads == null || ref == null) {
      return null;
    }
    try {
      return JSON.readTree(payloads.retrieve(ref));
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }
}
