package io.elspeth.transforms.llm;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.connectors.client.AuditedHttpClient;
import io.elspeth.connectors.client.CallAudit;
import io.elspeth.connectors.client.CallRetrier;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.ExternalCallException;
import io.elspeth.connectors.client.PoolSettings;
import io.elspeth.transforms.dag.ExternalBatchTransform;
import io.elspeth.transforms.step.TransformResult;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code azure_batch_llm}: one Azure OpenAI Batch API job per flushed batch. The rows' prompts
 * become a JSONL request file, one {@code custom_id} per row ({@code files.create}), which is
 * submitted ({@code batches.create}); the submission is checkpointed in the Landscape before the
 * job is polled ({@code batches.retrieve}, from {@code poll_interval_seconds} with back-off, for at
 * most {@code max_wait_hours}); the output and error files are downloaded ({@code files.content})
 * and joined back to the rows by {@code custom_id}. Each of those requests is an audited {@code
 * http} call (provider {@code azure}); each row's result is its own {@code llm} call with the row's
 * token, the model and the token usage.
 *
 * <p>A row whose prompt cannot render, whose result is in the error file, is missing, appears
 * twice, or is not valid JSON, and every row of a job that ended {@code failed}, {@code expired} or
 * {@code cancelled} or outlived {@code max_wait_hours}, is a processing error of that row, with the
 * reason. Rows that a run being resumed had submitted are not submitted again: their job is polled.
 */
final class AzureBatchLlmTransform implements ExternalBatchTransform {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(AzureBatchLlmTransform.class);
  static final String PROVIDER = "azure";
  private static final String CHAT_URL = "/chat/completions";
  private static final Set<String> TERMINAL = Set.of("completed", "failed", "expired", "cancelled");
  private static final Pattern CUSTOM_ID = Pattern.compile("\"custom_id\"\\s*:\\s*\"([^\"]+)\"");

  /** Back-off of the polls: each wait is this much longer than the last, up to the cap. */
  private static final double POLL_BACKOFF = 1.5;

  private static final double POLL_CAP_FACTOR = 4.0;

  private final LlmEndpoint endpoint;
  private final LlmOptions llm;
  private final double pollIntervalSeconds;
  private final double maxWaitHours;
  private final CallRetrier retrier;
  private final List<String> secretUrlParams;
  private transient @Nullable AuditedHttpClient http;

  AzureBatchLlmTransform(
      LlmEndpoint endpoint,
      LlmOptions llm,
      double pollIntervalSeconds,
      double maxWaitHours,
      ClientSettings client) {
    this.endpoint = endpoint;
    this.llm = llm;
    this.pollIntervalSeconds = pollIntervalSeconds;
    this.maxWaitHours = maxWaitHours;
    this.secretUrlParams = client.secretUrlParams();
    this.retrier =
        new CallRetrier(client, new PoolSettings(1, 0, 5000, 2.0, 50, 3600), endpoint.service());
  }

  @Override
  public void setup() {
    http = AuditedHttpClient.create(Duration.ofSeconds(30), secretUrlParams);
  }

  /** One row's request line and the prompt it carries. */
  private record Prepared(
      Member member, Map<String, Object> line, PromptTemplate.Rendered rendered) {}

  /** A submitted job and the rows of this flush it holds. */
  private record Job(String batchId, String submittedAt, List<Prepared> rows) {}

  @Override
  public List<TransformResult> process(BatchWork work) {
    List<Prepared> prepared = new ArrayList<>();
    Map<String, TransformResult> results = new HashMap<>();
    for (Member m : work.members()) {
      try {
        prepared.add(prepare(m));
      } catch (PromptTemplate.RenderException e) {
        results.put(m.customId(), TransformResult.error(renderFailure(e)));
      }
    }
    // Rows a run being resumed submitted are polled in that job, not paid for twice.
    Map<String, Map<String, Object>> submittedIn = new HashMap<>();
    for (Map<String, Object> state : work.checkpoints()) {
      if (state.get("custom_ids") instanceof List<?> ids) {
        for (Object id : ids) {
          submittedIn.putIfAbsent(String.valueOf(id), state);
        }
      }
    }
    Map<String, Job> jobs = new LinkedHashMap<>();
    List<Prepared> fresh = new ArrayList<>();
    for (Prepared p : prepared) {
      Map<String, Object> state = submittedIn.get(p.member().customId());
      if (state == null) {
        fresh.add(p);
        continue;
      }
      String id = String.valueOf(state.get("azure_batch_id"));
      jobs.computeIfAbsent(
              id, k -> new Job(k, String.valueOf(state.get("submitted_at")), new ArrayList<>()))
          .rows()
          .add(p);
    }
    if (!jobs.isEmpty()) {
      LOG.info(
          "resuming batch jobs {} for {} rows",
          jobs.keySet(),
          jobs.values().stream().mapToInt(j -> j.rows().size()).sum());
    }
    if (!fresh.isEmpty()) {
      try {
        Job job = submit(work, fresh);
        jobs.put(job.batchId(), job);
      } catch (ExternalCallException e) {
        Map<String, Object> reason = e.rowError("batch_submit_failed");
        fresh.forEach(p -> results.put(p.member().customId(), TransformResult.error(reason)));
      }
    }
    for (Job job : jobs.values()) {
      collect(work, job, results);
    }
    List<TransformResult> out = new ArrayList<>();
    for (Member m : work.members()) {
      TransformResult r = results.get(m.customId());
      if (r == null) {
        throw new IllegalStateException("no result for " + m.customId());
      }
      out.add(r);
    }
    return out;
  }

  private Prepared prepare(Member m) throws PromptTemplate.RenderException {
    PromptTemplate.Rendered rendered = llm.template().render(llm.variables(m.row()), m.row());
    List<Map<String, Object>> messages = new ArrayList<>();
    if (llm.systemPrompt() != null) {
      messages.add(message("system", llm.systemPrompt()));
    }
    messages.add(message("user", rendered.prompt()));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", endpoint.deployment());
    body.put("messages", messages);
    body.put("temperature", llm.temperature());
    if (llm.maxTokens() != null) {
      body.put("max_tokens", llm.maxTokens());
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("custom_id", m.customId());
    line.put("method", "POST");
    line.put("url", CHAT_URL);
    line.put("body", body);
    return new Prepared(m, line, rendered);
  }

  private Map<String, Object> renderFailure(PromptTemplate.RenderException e) {
    Map<String, Object> reason = new LinkedHashMap<>();
    reason.put("reason", "template_rendering_failed");
    reason.put("error", e.getMessage());
    reason.put("template_hash", llm.template().hash());
    return reason;
  }

  private static Map<String, Object> message(String role, String content) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", role);
    m.put("content", content);
    return m;
  }

  // --------------------------------------------------------------------- submit

  private Job submit(BatchWork work, List<Prepared> rows) throws ExternalCallException {
    StringBuilder jsonl = new StringBuilder();
    List<String> ids = new ArrayList<>();
    for (Prepared p : rows) {
      jsonl.append(CanonicalJson.canonicalize(p.line())).append('\n');
      ids.add(p.member().customId());
    }
    byte[] file = jsonl.toString().getBytes(StandardCharsets.UTF_8);
    var calls = work.calls(PROVIDER, null);
    String fileName = "elspeth_batch_" + CanonicalJson.sha256Hex(file).substring(0, 16) + ".jsonl";
    AuditedHttpClient.Response uploaded =
        retrier.callOrFail(
            () ->
                http()
                    .postMultipart(
                        url("/openai/files"),
                        headers(false),
                        Map.of("purpose", "batch"),
                        "file",
                        fileName,
                        file,
                        timeout(),
                        calls));
    String fileId = text(uploaded.body(), "id", "files.create");
    Map<String, Object> create = new LinkedHashMap<>();
    create.put("input_file_id", fileId);
    create.put("endpoint", CHAT_URL);
    create.put("completion_window", "24h");
    AuditedHttpClient.Response created =
        retrier.callOrFail(
            () -> http().post(url("/openai/batches"), headers(true), create, timeout(), calls));
    String batchId = text(created.body(), "id", "batches.create");
    String submittedAt = Instant.now().toString();
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("azure_batch_id", batchId);
    state.put("input_file_id", fileId);
    state.put("submitted_at", submittedAt);
    state.put("custom_ids", ids);
    // Committed before the first poll: a run killed while the job runs finds it on resume.
    work.checkpoint(state);
    LOG.info("batch job submitted azure_batch_id={} rows={}", batchId, rows.size());
    return new Job(batchId, submittedAt, new ArrayList<>(rows));
  }

  // -------------------------------------------------------------------- collect

  private void collect(BatchWork work, Job job, Map<String, TransformResult> results) {
    var calls = work.calls(PROVIDER, null);
    Instant deadline =
        parseInstant(job.submittedAt()).plusMillis(Math.round(maxWaitHours * 3_600_000));
    double wait = pollIntervalSeconds;
    Map<String, Object> batch;
    while (true) {
      try {
        AuditedHttpClient.Response polled =
            retrier.callOrFail(
                () ->
                    http()
                        .get(
                            url("/openai/batches/" + encode(job.batchId())),
                            headers(false),
                            timeout(),
                            calls,
                            false));
        batch = object(polled.body(), "batches.retrieve");
      } catch (ExternalCallException e) {
        failAll(job, e.rowError("batch_poll_failed"), results);
        return;
      }
      String status = String.valueOf(batch.get("status"));
      if (TERMINAL.contains(status)) {
        break;
      }
      if (Instant.now().isAfter(deadline)) {
        Map<String, Object> reason = new LinkedHashMap<>();
        reason.put("reason", "batch_timeout");
        reason.put("batch_id", job.batchId());
        reason.put("status", status);
        reason.put("max_wait_hours", maxWaitHours);
        failAll(job, reason, results);
        return;
      }
      sleep(wait);
      wait = Math.min(wait * POLL_BACKOFF, pollIntervalSeconds * POLL_CAP_FACTOR);
    }
    String status = String.valueOf(batch.get("status"));
    if (!status.equals("completed")) {
      Map<String, Object> reason = new LinkedHashMap<>();
      reason.put("reason", "batch_" + status);
      reason.put("batch_id", job.batchId());
      reason.put("errors", batch.get("errors"));
      failAll(job, reason, results);
      return;
    }
    Map<String, List<Map<String, Object>>> lines = new HashMap<>();
    Map<String, String> malformed = new HashMap<>();
    int unattributed = 0;
    for (String key : List.of("output_file_id", "error_file_id")) {
      if (!(batch.get(key) instanceof String fileId)) {
        continue;
      }
      String text;
      try {
        AuditedHttpClient.Response content =
            retrier.callOrFail(
                () ->
                    http()
                        .get(
                            url("/openai/files/" + encode(fileId) + "/content"),
                            headers(false),
                            timeout(),
                            calls,
                            true));
        text = new String(content.raw(), StandardCharsets.UTF_8);
      } catch (ExternalCallException e) {
        failAll(job, e.rowError("batch_download_failed"), results);
        return;
      }
      for (String raw : text.split("\n")) {
        if (raw.isBlank()) {
          continue;
        }
        Object parsed;
        try {
          parsed = CanonicalJson.parse(raw);
        } catch (RuntimeException e) {
          parsed = null;
        }
        if (parsed instanceof Map<?, ?> m && m.get("custom_id") instanceof String id) {
          @SuppressWarnings("unchecked")
          Map<String, Object> line = (Map<String, Object>) m;
          lines.computeIfAbsent(id, k -> new ArrayList<>()).add(line);
          continue;
        }
        Matcher cid = CUSTOM_ID.matcher(raw);
        if (cid.find()) {
          malformed.put(cid.group(1), raw.length() > 500 ? raw.substring(0, 500) : raw);
        } else {
          unattributed++;
        }
      }
    }
    for (Prepared p : job.rows()) {
      results.put(
          p.member().customId(),
          result(
              work,
              job,
              p,
              lines.get(p.member().customId()),
              malformed.get(p.member().customId()),
              unattributed));
    }
  }

  private TransformResult result(
      BatchWork work,
      Job job,
      Prepared p,
      @Nullable List<Map<String, Object>> found,
      @Nullable String malformedLine,
      int unattributed) {
    String id = p.member().customId();
    Map<String, Object> reason = new LinkedHashMap<>();
    reason.put("custom_id", id);
    reason.put("batch_id", job.batchId());
    if (found == null || found.isEmpty()) {
      if (malformedLine != null) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", "MalformedOutputLine");
        error.put("message", "the batch output line of " + id + " is not valid JSON");
        record(work, p, CallAudit.ERROR, Map.of("raw_line", malformedLine), error, null, null);
        reason.put("reason", "malformed_output_line");
        reason.put("line", malformedLine);
        return TransformResult.error(reason);
      }
      reason.put("reason", "missing_from_batch_output");
      reason.put("unattributed_malformed_lines", unattributed);
      return TransformResult.error(reason);
    }
    if (found.size() > 1) {
      for (Map<String, Object> line : found) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", "DuplicateCustomId");
        error.put("message", id + " appears " + found.size() + " times in the batch output");
        record(work, p, CallAudit.ERROR, line, error, null, null);
      }
      reason.put("reason", "duplicate_custom_id");
      reason.put("count", found.size());
      return TransformResult.error(reason);
    }
    Map<String, Object> line = found.get(0);
    Map<String, Object> response = line.get("response") instanceof Map<?, ?> r ? cast(r) : Map.of();
    Map<String, Object> body = response.get("body") instanceof Map<?, ?> b ? cast(b) : Map.of();
    Object statusCode = response.get("status_code");
    String content = content(body);
    Map<String, Object> usage = body.get("usage") instanceof Map<?, ?> u ? cast(u) : Map.of();
    String model = body.get("model") instanceof String s ? s : llm.model();
    if (line.get("error") != null
        || !(statusCode instanceof Number n)
        || n.intValue() != 200
        || content == null) {
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("type", "BatchRowError");
      error.put("status_code", statusCode);
      error.put("error", line.get("error") != null ? line.get("error") : body.get("error"));
      record(work, p, CallAudit.ERROR, line, error, model, usage);
      reason.put(
          "reason",
          content == null && statusCode instanceof Number c && c.intValue() == 200
              ? "invalid_batch_response"
              : "batch_row_failed");
      reason.put("status_code", statusCode);
      reason.put("error", error.get("error"));
      return TransformResult.error(reason);
    }
    record(work, p, CallAudit.SUCCESS, line, null, model, usage);
    Map<String, Object> out = new LinkedHashMap<>(p.member().row());
    out.put(llm.responseField(), content);
    llm.addMetadata(out, llm.responseField(), p.rendered(), usage, model);
    out.put(llm.responseField() + "_batch_id", job.batchId());
    return TransformResult.success(out);
  }

  /** The row's result as its own {@code llm} call: its request line and its output line. */
  private void record(
      BatchWork work,
      Prepared p,
      String status,
      Map<String, Object> response,
      @Nullable Map<String, Object> error,
      @Nullable String model,
      @Nullable Map<String, Object> usage) {
    work.record(
        "llm",
        status,
        p.line(),
        response,
        error,
        0.0,
        new CallRecord.Telemetry(
            PROVIDER,
            p.member().tokenId(),
            llm.model(),
            model,
            count(usage, "prompt_tokens"),
            count(usage, "completion_tokens")));
  }

  private static @Nullable Long count(@Nullable Map<String, Object> usage, String key) {
    return usage != null && usage.get(key) instanceof Number n && n.longValue() >= 0
        ? n.longValue()
        : null;
  }

  private static @Nullable String content(Map<String, Object> body) {
    if (body.get("choices") instanceof List<?> choices
        && !choices.isEmpty()
        && choices.get(0) instanceof Map<?, ?> choice
        && choice.get("message") instanceof Map<?, ?> message
        && message.get("content") instanceof String text) {
      return text;
    }
    return null;
  }

  private static void failAll(
      Job job, Map<String, Object> reason, Map<String, TransformResult> results) {
    for (Prepared p : job.rows()) {
      Map<String, Object> r = new LinkedHashMap<>(reason);
      r.put("custom_id", p.member().customId());
      results.put(p.member().customId(), TransformResult.error(r));
    }
  }

  // -------------------------------------------------------------------- plumbing

  private AuditedHttpClient http() {
    if (http == null) {
      throw new IllegalStateException("setup() was not called");
    }
    return http;
  }

  private String url(String path) {
    String base =
        endpoint.url().endsWith("/")
            ? endpoint.url().substring(0, endpoint.url().length() - 1)
            : endpoint.url();
    return base + path + "?api-version=" + encode(endpoint.apiVersion());
  }

  private Map<String, String> headers(boolean json) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("api-key", endpoint.apiKey());
    if (json) {
      h.put("Content-Type", "application/json");
    }
    return h;
  }

  private Duration timeout() {
    return Duration.ofMillis(Math.round(llm.timeoutSeconds() * 1000));
  }

  private static String encode(@Nullable String s) {
    return URLEncoder.encode(String.valueOf(s), StandardCharsets.UTF_8);
  }

  private static void sleep(double seconds) {
    try {
      Thread.sleep(Math.max(1, Math.round(seconds * 1000)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a batch job", e);
    }
  }

  private static Instant parseInstant(String s) {
    try {
      return Instant.parse(s);
    } catch (RuntimeException e) {
      return Instant.now();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  private static Map<String, Object> object(@Nullable Object body, String operation)
      throws ExternalCallException {
    if (body instanceof Map<?, ?> m && !AuditedHttpClient.isUnparsedJson(body)) {
      return cast(m);
    }
    throw new ExternalCallException(
        ExternalCallException.Kind.INVALID_RESPONSE,
        operation + " answered a body that is not a JSON object",
        null);
  }

  private static String text(@Nullable Object body, String key, String operation)
      throws ExternalCallException {
    Object v = object(body, operation).get(key);
    if (!(v instanceof String s) || s.isBlank()) {
      throw new ExternalCallException(
          ExternalCallException.Kind.INVALID_RESPONSE,
          operation + " answered no '" + key + "'",
          null);
    }
    return s;
  }
}
