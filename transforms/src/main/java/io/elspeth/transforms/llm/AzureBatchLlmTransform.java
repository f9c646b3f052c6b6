package io.elspeth.transforms.llm;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.ExternalCallException;
import io.elspeth.transforms.dag.ExternalBatchTransform;
import io.elspeth.transforms.step.TransformResult;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 *
 * <p>This class is the job's flow (prepare, submit, poll); the requests themselves are made by
 * {@code AzureBatchApi}, and the output is joined back to the rows by {@code AzureBatchResults}.
 */
final class AzureBatchLlmTransform implements ExternalBatchTransform {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(AzureBatchLlmTransform.class);
  static final String PROVIDER = "azure";
  private static final String CHAT_URL = "/chat/completions";
  private static final Set<String> TERMINAL = Set.of("completed", "failed", "expired", "cancelled");

  /** Back-off of the polls: each wait is this much longer than the last, up to the cap. */
  private static final double POLL_BACKOFF = 1.5;

  private static final double POLL_CAP_FACTOR = 4.0;

  private final LlmEndpoint endpoint;
  private final LlmOptions llm;
  private final double pollIntervalSeconds;
  private final double maxWaitHours;
  private final AzureBatchApi api;
  private final AzureBatchResults joiner;

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
    this.api = new AzureBatchApi(endpoint, llm.timeoutSeconds(), client);
    this.joiner = new AzureBatchResults(llm);
  }

  @Override
  public void setup() {
    api.setup();
  }

  /** One row's request line and the prompt it carries. */
  record Prepared(Member member, Map<String, Object> line, PromptTemplate.Rendered rendered) {}

  /** A submitted job and the rows of this flush it holds. */
  record Job(String batchId, String submittedAt, List<Prepared> rows) {}

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
    String fileId = api.uploadFile(fileName, file, calls);
    String batchId = api.createBatch(fileId, CHAT_URL, calls);
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
        batch = api.retrieve(job.batchId(), calls);
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
    AzureBatchResults.OutputLines output = new AzureBatchResults.OutputLines();
    for (String key : List.of("output_file_id", "error_file_id")) {
      if (!(batch.get(key) instanceof String fileId)) {
        continue;
      }
      try {
        output.add(api.download(fileId, calls));
      } catch (ExternalCallException e) {
        failAll(job, e.rowError("batch_download_failed"), results);
        return;
      }
    }
    for (Prepared p : job.rows()) {
      results.put(p.member().customId(), joiner.result(work, job, p, output));
    }
  }

  private static void failAll(
      Job job, Map<String, Object> reason, Map<String, TransformResult> results) {
    for (Prepared p : job.rows()) {
      Map<String, Object> r = new LinkedHashMap<>(reason);
      r.put("custom_id", p.member().customId());
      results.put(p.member().customId(), TransformResult.error(r));
    }
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
}
