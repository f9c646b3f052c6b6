package io.elspeth.transforms.rag;

import io.elspeth.audit.canonical.PythonRepr;
import io.elspeth.connectors.client.AuditedSearchClient;
import io.elspeth.connectors.client.CallSink;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.ExternalCallException;
import io.elspeth.connectors.client.PoolSettings;
import io.elspeth.transforms.step.ExternalCallTransform;
import io.elspeth.transforms.step.TransformResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code rag_retrieval} work on one row: build the search text, search (one audited call per
 * attempt, retried by the run's {@code retry} policy for 429, 5xx and network failures), and add
 * the four {@code <prefix>__rag_*} fields. A row without usable search text, a search that fails
 * for good and (with {@code on_no_results: quarantine}) a search that finds nothing are rejected
 * with ELSPETH's reasons, to {@code on_error}.
 */
final class RagRetrieval extends ExternalCallTransform {
  private static final Logger LOG = LoggerFactory.getLogger(RagRetrieval.class);

  private final RagQuery query;
  private final String contextField;
  private final String scoreField;
  private final String countField;
  private final String sourcesField;
  private final AuditedSearchClient.Settings settings;
  private final int topK;
  private final double minScore;
  private final String onNoResults;
  private final String contextFormat;
  private final String separator;
  private final @Nullable Integer maxContextLength;
  private transient @Nullable AuditedSearchClient client;

  RagRetrieval(
      RagQuery query,
      String prefix,
      AuditedSearchClient.Settings settings,
      int topK,
      double minScore,
      String onNoResults,
      String contextFormat,
      String separator,
      @Nullable Integer maxContextLength,
      ClientSettings client,
      PoolSettings pool) {
    super(client, pool, RagRetrievalPlugin.AZURE_SEARCH);
    this.query = query;
    this.contextField = prefix + "__rag_context";
    this.scoreField = prefix + "__rag_score";
    this.countField = prefix + "__rag_count";
    this.sourcesField = prefix + "__rag_sources";
    this.settings = settings;
    this.topK = topK;
    this.minScore = minScore;
    this.onNoResults = onNoResults;
    this.contextFormat = contextFormat;
    this.separator = separator;
    this.maxContextLength = maxContextLength;
  }

  @Override
  public Set<String> declaredOutputFields() {
    return Set.of(contextField, scoreField, countField, sourcesField);
  }

  @Override
  public void setup() {
    client = AuditedSearchClient.create(settings, clientSettings().secretUrlParams());
  }

  @Override
  public void teardown() {
    if (client != null) {
      client.close();
    }
  }

  @Override
  public TransformResult apply(Map<String, Object> row, CallSink calls) {
    RagQuery.Built built = query.build(row);
    String text = built.query();
    if (text == null) {
      return TransformResult.error(
          java.util.Objects.requireNonNull(built.error(), "a query without text has its error"));
    }
    AuditedSearchClient search =
        java.util.Objects.requireNonNull(client, "setup() builds the client before any row");
    AuditedSearchClient.Result result;
    try {
      result = call(() -> search.search(text, topK, minScore, calls));
    } catch (ExternalCallException e) {
      Map<String, Object> reason = new LinkedHashMap<>();
      reason.put("reason", "retrieval_failed");
      reason.put("error", e.getMessage());
      reason.put("cause", e.kind().type() + ": " + e.getMessage());
      reason.put("provider", RagRetrievalPlugin.AZURE_SEARCH);
      if (e.statusCode() != null) {
        reason.put("status_code", e.statusCode());
      }
      reason.put("attempts", e.attempts());
      return TransformResult.error(reason);
    }
    if (!result.skipped().isEmpty() && LOG.isDebugEnabled()) {
      // "Record what we didn't get": results the service sent that could not be used.
      LOG.debug(
          "azure_search_skipped_items state_id={} skipped_count={} skipped={}",
          calls.stateId(),
          result.skipped().size(),
          result.skipped());
    }
    List<AuditedSearchClient.Chunk> chunks = result.chunks();
    Map<String, Object> out = new LinkedHashMap<>(row);
    if (chunks.isEmpty()) {
      if (onNoResults.equals("quarantine")) {
        Map<String, Object> reason = new LinkedHashMap<>();
        reason.put("reason", "no_results");
        reason.put("query", text);
        reason.put("provider", RagRetrievalPlugin.AZURE_SEARCH);
        return TransformResult.error(reason);
      }
      // Null, not "" or 0.0: no retrieval result is not a result of zero relevance.
      out.put(contextField, null);
      out.put(scoreField, null);
      out.put(countField, 0L);
      out.put(sourcesField, PythonRepr.json(sources(chunks)));
      Map<String, Object> metadata = new LinkedHashMap<>();
      metadata.put("chunk_count", 0L);
      metadata.put("no_results", true);
      return TransformResult.success(out, successReason(metadata));
    }
    double best = chunks.get(0).score();
    RagContext.Formatted context =
        RagContext.format(chunks, contextFormat, separator, maxContextLength);
    out.put(contextField, context.text());
    out.put(scoreField, best);
    out.put(countField, (long) chunks.size());
    out.put(sourcesField, PythonRepr.json(sources(chunks)));
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("chunk_count", (long) chunks.size());
    metadata.put("best_score", best);
    metadata.put("truncated", context.truncated());
    return TransformResult.success(out, successReason(metadata));
  }

  private static Map<String, Object> sources(List<AuditedSearchClient.Chunk> chunks) {
    List<Object> sources = new ArrayList<>();
    for (AuditedSearchClient.Chunk c : chunks) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("source_id", c.sourceId());
      s.put("score", c.score());
      s.put("metadata", c.metadata());
      sources.add(s);
    }
    Map<String, Object> envelope = new LinkedHashMap<>();
    envelope.put("v", 1L);
    envelope.put("sources", sources);
    return envelope;
  }

  private static Map<String, Object> successReason(Map<String, Object> metadata) {
    Map<String, Object> reason = new LinkedHashMap<>();
    reason.put("action", "rag_retrieval");
    reason.put("metadata", metadata);
    return reason;
  }
}
