package io.elspeth.transforms.llm;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.client.AuditedLlmClient;
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
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code azure_multi_query_llm} and {@code openrouter_multi_query_llm} (and ELSPETH's current
 * {@code plugin: llm} with {@code queries}, resolved to them): several queries per row, all
 * recorded under the row's node state in order, and any query that fails fails the row (all or
 * nothing). With {@code queries} they are ELSPETH's named queries ({@link #applyNamed}). Otherwise
 * one JSON-answer query per (case study × criterion): the template sees ELSPETH's synthetic {@code
 * row} ({@code row.input_1..N}, {@code row.criterion}, {@code row.case_study}, {@code row.row}; see
 * {@link #variables}), {@code lookup}, and {@code input_1..N}, {@code case_study}, {@code
 * criterion} at the top level; each answer must be a JSON object whose mapped keys have their
 * declared types, and a failure names the query and records the raw answer.
 */
final class MultiQueryLlmTransform extends ExternalCallTransform {
  private final LlmEndpoint endpoint;
  private final LlmOptions llm;
  private final @Nullable MultiQuery queries;
  private final @Nullable NamedQueries named;
  private transient @Nullable AuditedLlmClient client;

  /**
   * The row's queries run here, {@code pool_size} at a time, as ELSPETH's query executor runs them:
   * one pool per transform instance, shared by the rows in flight, so calls in flight stay within
   * {@code pool_size} as they did when each row asked its queries one after another. Null with
   * {@code pool_size} 1, where the queries run in the row's thread.
   */
  private transient @Nullable ExecutorService queryPool;

  MultiQueryLlmTransform(
      LlmEndpoint endpoint,
      LlmOptions llm,
      MultiQuery queries,
      ClientSettings client,
      PoolSettings pool) {
    this(endpoint, llm, queries, null, client, pool);
  }

  MultiQueryLlmTransform(
      LlmEndpoint endpoint,
      LlmOptions llm,
      NamedQueries named,
      ClientSettings client,
      PoolSettings pool) {
    this(endpoint, llm, null, named, client, pool);
  }

  private MultiQueryLlmTransform(
      LlmEndpoint endpoint,
      LlmOptions llm,
      @Nullable MultiQuery queries,
      @Nullable NamedQueries named,
      ClientSettings client,
      PoolSettings pool) {
    super(client, pool, endpoint.service());
    this.endpoint = endpoint;
    this.llm = llm;
    this.queries = queries;
    this.named = named;
  }

  @Override
  public void setup() {
    client =
        endpoint.open(
            Duration.ofMillis((long) (llm.timeoutSeconds() * 1000)),
            clientSettings().secretUrlParams());
    if (poolSize() > 1) {
      AtomicInteger threads = new AtomicInteger();
      queryPool =
          Executors.newFixedThreadPool(
              poolSize(),
              r -> {
                Thread t = new Thread(r, "multi-query-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    }
  }

  @Override
  public void teardown() {
    if (queryPool != null) {
      queryPool.shutdownNow();
      queryPool = null;
    }
    if (client != null) {
      client.close();
    }
  }

  private AuditedLlmClient client() {
    if (client == null) {
      throw new IllegalStateException("setup() was not called");
    }
    return client;
  }

  @Override
  public TransformResult apply(Map<String, Object> row, CallSink calls) {
    if (named != null) {
      return applyNamed(named, row, calls);
    }
    MultiQuery mq = Objects.requireNonNull(queries, "case studies and criteria");
    if (queryPool == null) {
      Map<String, Object> out = new LinkedHashMap<>(row);
      for (MultiQuery.CaseStudy cs : mq.caseStudies()) {
        for (MultiQuery.Criterion cr : mq.criteria()) {
          Map<String, Object> failure = query(row, cs, cr, cs.name() + "_" + cr.name(), calls, out);
          if (failure != null) {
            return TransformResult.error(failure);
          }
        }
      }
      return TransformResult.success(out);
    }
    // With a pool every query is asked at once; the row's outcome is the same as one after
    // another: the first failure in declared order, or every query's fields in declared order.
    List<Callable<QueryOutcome>> all = new ArrayList<>();
    for (MultiQuery.CaseStudy cs : mq.caseStudies()) {
      for (MultiQuery.Criterion cr : mq.criteria()) {
        all.add(
            () -> {
              Map<String, Object> fields = new LinkedHashMap<>();
              Map<String, Object> failure =
                  query(row, cs, cr, cs.name() + "_" + cr.name(), calls, fields);
              return new QueryOutcome(failure, fields, Map.of());
            });
      }
    }
    Map<String, Object> out = new LinkedHashMap<>(row);
    for (QueryOutcome o : QueryPoolRunner.runAll(queryPool, all)) {
      if (o.failure() != null) {
        return TransformResult.error(o.failure());
      }
      out.putAll(o.fields());
    }
    return TransformResult.success(out);
  }

  /**
   * One query's outcome: its row error (null on success), or the fields it adds and its audit
   * metadata.
   */
  private record QueryOutcome(
      @Nullable Map<String, Object> failure,
      Map<String, Object> fields,
      Map<String, Object> metadata) {}

  /** The case studies × criteria queries; the constructors give them or named queries. */
  private MultiQuery caseStudyQueries() {
    if (queries == null) {
      throw new IllegalStateException("neither case study nor named queries");
    }
    return queries;
  }

  /** Runs one query into {@code out}; returns the row's error reason when it fails. */
  private @Nullable Map<String, Object> query(
      Map<String, Object> row,
      MultiQuery.CaseStudy cs,
      MultiQuery.Criterion cr,
      String prefix,
      CallSink calls,
      Map<String, Object> out) {
    MultiQuery queries = caseStudyQueries();
    Map<String, Object> synthetic = new LinkedHashMap<>();
    for (int i = 0; i < cs.inputFields().size(); i++) {
      String field = cs.inputFields().get(i);
      if (!row.containsKey(field)) {
        return reason("missing_input_field", prefix, "field", field);
      }
      synthetic.put("input_" + (i + 1), row.get(field));
    }
    synthetic.put("criterion", cr.asVariable());
    synthetic.put("case_study", cs.asVariable());
    synthetic.put("row", row);
    PromptTemplate.Rendered rendered;
    try {
      rendered = llm.template().render(variables(row, synthetic), synthetic);
    } catch (PromptTemplate.RenderException e) {
      Map<String, Object> r = reason("template_rendering_failed", prefix, "error", e.getMessage());
      r.put("template_hash", llm.template().hash());
      return r;
    }
    Integer maxTokens = cr.maxTokens() != null ? cr.maxTokens() : llm.maxTokens();
    AuditedLlmClient.ChatRequest request =
        AuditedLlmClient.ChatRequest.of(
            llm.model(),
            llm.systemPrompt(),
            rendered.prompt(),
            llm.temperature(),
            maxTokens,
            queries.requestFormat());
    AuditedLlmClient.ChatResponse response;
    try {
      response = call(() -> client().chat(request, calls));
    } catch (ExternalCallException e) {
      Map<String, Object> r = e.rowError("llm_call_failed");
      r.put("query", prefix);
      return r;
    }
    Object parsed;
    try {
      parsed = CanonicalJson.parse(stripFences(response.content()));
    } catch (RuntimeException e) {
      Map<String, Object> r =
          reason("response_parse_failed", prefix, "raw_response", response.content());
      r.put("error", "not JSON: " + e.getClass().getSimpleName());
      return r;
    }
    if (!(parsed instanceof Map<?, ?> answer)) {
      return reason("response_parse_failed", prefix, "raw_response", response.content());
    }
    List<String> problems = queries.answerProblems(answer);
    Map<String, Object> fields = new LinkedHashMap<>();
    queries
        .outputMapping()
        .forEach(
            (key, f) -> {
              Object v = answer.get(key);
              fields.put(prefix + "_" + f.suffix(), v instanceof Integer i ? Long.valueOf(i) : v);
            });
    if (!problems.isEmpty()) {
      Map<String, Object> r = reason("response_validation_failed", prefix, "problems", problems);
      r.put("raw_response", response.content());
      return r;
    }
    out.putAll(fields);
    llm.addQueryMetadata(out, prefix, rendered, response.usage(), response.model());
    return null;
  }

  /**
   * ELSPETH's named queries over one row. Each query's template sees {@code row} bound to its
   * context: every {@code input_fields} variable with its row field's value, and {@code source_row}
   * (the whole row); {@code lookup} as usual. The row succeeds only if every query does (all or
   * nothing). With {@code pool_size} 1 the queries stop at the first failure, as ELSPETH's
   * sequential mode does; with a pool every query is asked, as ELSPETH's parallel mode does, and
   * the error names all that failed. The node state's success reason is ELSPETH's: {@code
   * multi_query_enriched}, the fields added, and per query the template, variables and lookup
   * hashes and sources.
   */
  private TransformResult applyNamed(NamedQueries named, Map<String, Object> row, CallSink calls) {
    List<NamedQueries.Query> all = named.queries();
    boolean askAll = poolSize() > 1;
    Map<String, Object> added = new LinkedHashMap<>();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("model", llm.model());
    Map<String, Object> firstFailure = null;
    int firstIndex = -1;
    List<String> failed = new ArrayList<>();
    if (askAll) {
      // ELSPETH's parallel mode: every query at once (up to pool_size), each with its own fields
      // and metadata, assembled in the declared order once all have answered.
      List<Callable<QueryOutcome>> tasks = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        NamedQueries.Query q = all.get(i);
        int index = i;
        tasks.add(
            () -> {
              Map<String, Object> fields = new LinkedHashMap<>();
              Map<String, Object> meta = new LinkedHashMap<>();
              Map<String, Object> failure = namedQuery(row, q, index, calls, fields, meta);
              return new QueryOutcome(failure, fields, meta);
            });
      }
      List<QueryOutcome> outcomes = QueryPoolRunner.runAll(queryPool, tasks);
      for (int i = 0; i < outcomes.size(); i++) {
        QueryOutcome o = outcomes.get(i);
        Map<String, Object> failure = o.failure();
        if (failure == null) {
          added.putAll(o.fields());
          metadata.putAll(o.metadata());
          continue;
        }
        if (firstFailure == null) {
          firstFailure = failure;
          firstIndex = i;
        }
        failed.add(all.get(i).name());
      }
    } else {
      // ELSPETH's sequential mode (pool_size 1): the first failure ends the row.
      for (int i = 0; i < all.size(); i++) {
        Map<String, Object> failure = namedQuery(row, all.get(i), i, calls, added, metadata);
        if (failure != null) {
          failure.put("discarded_successful_queries", (long) i);
          return TransformResult.error(failure);
        }
      }
    }
    if (firstFailure != null) {
      firstFailure.put("failed_query_name", all.get(firstIndex).name());
      firstFailure.put("failed_query_index", (long) firstIndex);
      firstFailure.put("discarded_successful_queries", (long) (all.size() - failed.size()));
      firstFailure.put("failed_queries", failed);
      firstFailure.put("total_count", (long) all.size());
      return TransformResult.error(firstFailure);
    }
    Map<String, Object> out = new LinkedHashMap<>(row);
    out.putAll(added);
    Map<String, Object> reason = new LinkedHashMap<>();
    reason.put("action", "multi_query_enriched");
    reason.put("queries_completed", (long) all.size());
    reason.put("fields_added", new ArrayList<>(added.keySet()));
    reason.put("metadata", metadata);
    return TransformResult.success(out, reason);
  }

  /**
   * Runs one named query, its fields into {@code added} and its audit metadata into {@code
   * metadata}; returns the row's error reason (ELSPETH's) when it fails.
   */
  private @Nullable Map<String, Object> namedQuery(
      Map<String, Object> row,
      NamedQueries.Query q,
      int index,
      CallSink calls,
      Map<String, Object> added,
      Map<String, Object> metadata) {
    Map<String, Object> context = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : q.inputFields().entrySet()) {
      if (!row.containsKey(e.getValue())) {
        Map<String, Object> r = namedReason("template_context_failed", q, index);
        r.put("error", "'" + e.getValue() + "'");
        return r;
      }
      context.put(e.getKey(), row.get(e.getValue()));
    }
    context.put("source_row", row);
    PromptTemplate template = q.template() != null ? q.template() : llm.template();
    PromptTemplate.Rendered rendered;
    try {
      rendered = template.render(llm.variables(context), context);
    } catch (PromptTemplate.RenderException e) {
      Map<String, Object> r = namedReason("template_rendering_failed", q, index);
      r.put("error", e.getMessage());
      r.put("template_hash", template.hash());
      return r;
    }
    AuditedLlmClient.ChatRequest request =
        AuditedLlmClient.ChatRequest.of(
            llm.model(),
            llm.systemPrompt(),
            rendered.prompt(),
            llm.temperature(),
            q.maxTokens() != null ? q.maxTokens() : llm.maxTokens(),
            q.requestFormat());
    AuditedLlmClient.ChatResponse response;
    try {
      response = call(() -> client().chat(request, calls));
    } catch (ExternalCallException e) {
      Map<String, Object> r = e.rowError("multi_query_failed");
      r.put("failed_query_name", q.name());
      r.put("failed_query_index", (long) index);
      return r;
    }
    String content = stripFences(response.content());
    String responseField = q.name() + "_" + llm.responseField();
    Map<String, Object> fields = new LinkedHashMap<>();
    if (q.outputFields() != null) {
      Object parsed;
      try {
        parsed = CanonicalJson.parse(content);
      } catch (RuntimeException e) {
        Map<String, Object> r = namedReason("json_parse_failed", q, index);
        r.put("error", e.getMessage());
        r.put("raw_response_preview", content.substring(0, Math.min(500, content.length())));
        return r;
      }
      if (!(parsed instanceof Map<?, ?> answer)) {
        Map<String, Object> r = namedReason("invalid_json_type", q, index);
        r.put("expected", "object");
        r.put(
            "actual",
            parsed == null
                ? "null"
                : parsed instanceof List
                    ? "list"
                    : parsed instanceof String ? "str" : parsed.getClass().getSimpleName());
        return r;
      }
      for (NamedQueries.OutputField f : q.outputFields()) {
        if (!answer.containsKey(f.suffix())) {
          Map<String, Object> r = namedReason("missing_output_field", q, index);
          r.put("field", f.suffix());
          List<String> available = new ArrayList<>();
          answer.keySet().forEach(k -> available.add(String.valueOf(k)));
          r.put("available_fields", available);
          return r;
        }
        Object value = answer.get(f.suffix());
        String problem = f.problem(value);
        if (problem != null) {
          Map<String, Object> r = namedReason("field_type_mismatch", q, index);
          r.put("field", f.suffix());
          r.put("error", problem);
          String shown = String.valueOf(value);
          r.put("value", shown.substring(0, Math.min(200, shown.length())));
          return r;
        }
        fields.put(q.name() + "_" + f.suffix(), value);
      }
    }
    fields.put(responseField, content);
    fields.put(
        responseField + "_usage",
        response.usage() == null || response.usage().isEmpty() ? null : response.usage());
    fields.put(responseField + "_model", response.model());
    added.putAll(fields);
    metadata.put(responseField + "_template_hash", rendered.templateHash());
    metadata.put(responseField + "_variables_hash", rendered.variablesHash());
    metadata.put(
        responseField + "_template_source", q.template() != null ? null : llm.templateSource());
    metadata.put(responseField + "_lookup_hash", llm.lookupHash());
    metadata.put(responseField + "_lookup_source", llm.lookupSource());
    metadata.put(responseField + "_system_prompt_source", llm.systemPromptSource());
    return null;
  }

  private static Map<String, Object> namedReason(String reason, NamedQueries.Query q, int index) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("reason", reason);
    r.put("query_name", q.name());
    r.put("query_index", (long) index);
    return r;
  }

  /**
   * What one query's template sees. ELSPETH renders with {@code row} bound to the synthetic row
   * {@code {input_1.., criterion, case_study, row}} (so {@code row.input_1}, {@code
   * row.criterion.description}, {@code row.row.<field>}); here {@code row} also resolves the
   * original row's own fields where the synthetic row has no such key (so {@code row.<field>} keeps
   * working), and {@code input_N}, {@code criterion}, {@code case_study} are also top-level names.
   * The variables hash covers exactly ELSPETH's synthetic row.
   */
  private Map<String, Object> variables(Map<String, Object> row, Map<String, Object> synthetic) {
    Map<String, Object> view = new LinkedHashMap<>(row);
    view.putAll(synthetic);
    Map<String, Object> vars = llm.variables(view);
    synthetic.forEach(
        (k, v) -> {
          if (!k.equals("row")) {
            vars.put(k, v);
          }
        });
    return vars;
  }

  private static Map<String, Object> reason(String reason, String query, String key, Object value) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("reason", reason);
    r.put("query", query);
    r.put(key, value);
    return r;
  }

  /** Models often wrap JSON in a Markdown code fence; the JSON inside is the answer. */
  static String stripFences(String content) {
    String t = content.strip();
    if (t.startsWith("```")) {
      int nl = t.indexOf('\n');
      int end = t.lastIndexOf("```");
      if (nl > 0 && end > nl) {
        return t.substring(nl + 1, end).strip();
      }
    }
    return t;
  }
}
