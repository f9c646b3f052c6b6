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

/**
 * {@code azure_multi_query_llm} and {@code openrouter_multi_query_llm}: one JSON-answer query
 * per (case study × criterion) per row, all recorded under the row's node state in order. The
 * template sees ELSPETH's synthetic {@code row} ({@code row.input_1..N}, {@code row.criterion},
 * {@code row.case_study}, {@code row.row}; see {@link #variables}), {@code lookup}, and
 * {@code input_1..N}, {@code case_study}, {@code criterion} at the top level. Each answer must
 * be a JSON object whose mapped keys have their declared types; any query that fails fails the row (all or nothing),
 * with the query named and the raw answer recorded.
 */
final class MultiQueryLlmTransform extends ExternalCallTransform {
  private final LlmEndpoint endpoint;
  private final LlmOptions llm;
  private final MultiQuery queries;
  private transient AuditedLlmClient client;

  MultiQueryLlmTransform(LlmEndpoint endpoint, LlmOptions llm, MultiQuery queries,
      ClientSettings client, PoolSettings pool) {
    super(client, pool, endpoint.service());
    this.endpoint = endpoint;
    this.llm = llm;
    this.queries = queries;
  }

  @Override
  public void setup() {
    client = endpoint.open(Duration.ofMillis((long) (llm.timeoutSeconds() * 1000)),
        clientSettings().secretUrlParams());
  }

  @Override
  public void teardown() {
    if (client != null) {
      client.close();
    }
  }

  @Override
  public TransformResult apply(Map<String, Object> row, CallSink calls) {
    Map<String, Object> out = new LinkedHashMap<>(row);
    for (MultiQuery.CaseStudy cs : queries.caseStudies()) {
      for (MultiQuery.Criterion cr : queries.criteria()) {
        String prefix = cs.name() + "_" + cr.name();
        Map<String, Object> failure = query(row, cs, cr, prefix, calls, out);
        if (failure != null) {
          return TransformResult.error(failure);
        }
      }
    }
    return TransformResult.success(out);
  }

  /** Runs one query into {@code out}; returns the row's error reason when it fails. */
  private Map<String, Object> query(Map<String, Object> row, MultiQuery.CaseStudy cs,
      MultiQuery.Criterion cr, String prefix, CallSink calls, Map<String, Object> out) {
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
    AuditedLlmClient.ChatRequest request = AuditedLlmClient.ChatRequest.of(llm.model(),
        llm.systemPrompt(), rendered.prompt(), llm.temperature(), maxTokens,
        queries.requestFormat());
    AuditedLlmClient.ChatResponse response;
    try {
      response = call(() -> client.chat(request, calls));
    } catch (ExternalCallException e) {
      Map<String, Object> r = e.rowError("llm_call_failed");
      r.put("query", prefix);
      return r;
    }
    Object parsed;
    try {
      parsed = CanonicalJson.parse(stripFences(response.content()));
    } catch (RuntimeException e) {
      Map<String, Object> r = reason("response_parse_failed", prefix, "raw_response",
          response.content());
      r.put("error", "not JSON: " + e.getClass().getSimpleName());
      return r;
    }
    if (!(parsed instanceof Map<?, ?> answer)) {
      return reason("response_parse_failed", prefix, "raw_response", response.content());
    }
    List<String> problems = queries.answerProblems(answer);
    Map<String, Object> fields = new LinkedHashMap<>();
    queries.outputMapping().forEach((key, f) -> {
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
   * What one query's template sees. ELSPETH renders with {@code row} bound to the synthetic row
   * {@code {input_1.., criterion, case_study, row}} (so {@code row.input_1},
   * {@code row.criterion.description}, {@code row.row.<field>}); here {@code row} also resolves
   * the original row's own fields where the synthetic row has no such key (so {@code row.<field>}
   * keeps working), and {@code input_N}, {@code criterion}, {@code case_study} are also top-level
   * names. The variables hash covers exactly ELSPETH's synthetic row.
   */
  private Map<String, Object> variables(Map<String, Object> row, Map<String, Object> synthetic) {
    Map<String, Object> view = new LinkedHashMap<>(row);
    view.putAll(synthetic);
    Map<String, Object> vars = llm.variables(view);
    synthetic.forEach((k, v) -> {
      if (!k.equals("row")) {
        vars.put(k, v);
      }
    });
    return vars;
  }

  private static Map<String, Object> reason(String reason, String query, String key,
      Object value) {
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
