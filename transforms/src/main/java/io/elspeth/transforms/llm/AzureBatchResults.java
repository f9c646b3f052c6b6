package io.elspeth.transforms.llm;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.connectors.client.CallAudit;
import io.elspeth.transforms.dag.ExternalBatchTransform.BatchWork;
import io.elspeth.transforms.llm.AzureBatchLlmTransform.Job;
import io.elspeth.transforms.llm.AzureBatchLlmTransform.Prepared;
import io.elspeth.transforms.step.TransformResult;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Joins a completed Azure batch job's output and error files back to its rows by {@code custom_id}:
 * each row's result (its response, or why it has none: missing, duplicated, malformed or failed
 * line) and its own {@code llm} call record. Apart from {@link AzureBatchLlmTransform} because
 * reading the service's lines is a job of its own, with its own failure cases.
 */
final class AzureBatchResults implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern CUSTOM_ID = Pattern.compile("\"custom_id\"\\s*:\\s*\"([^\"]+)\"");

  private final LlmOptions llm;

  AzureBatchResults(LlmOptions llm) {
    this.llm = llm;
  }

  /**
   * The lines of a job's output and error files: parsed lines by {@code custom_id}, the raw text
   * (cut to 500 characters) of unparseable lines whose {@code custom_id} can still be read, and how
   * many unparseable lines name none.
   */
  static final class OutputLines {
    private final Map<String, List<Map<String, Object>>> lines = new HashMap<>();
    private final Map<String, String> malformed = new HashMap<>();
    private int unattributed = 0;

    /** Adds the lines of one downloaded file. */
    void add(String text) {
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
          lines.computeIfAbsent(id, k -> new ArrayList<>()).add(cast(m));
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
  }

  /**
   * The result of row {@code p} of {@code job}, its {@code llm} call recorded under {@code work}.
   */
  TransformResult result(BatchWork work, Job job, Prepared p, OutputLines output) {
    String id = p.member().customId();
    List<Map<String, Object>> found = output.lines.get(id);
    String malformedLine = output.malformed.get(id);
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
      reason.put("unattributed_malformed_lines", output.unattributed);
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
            AzureBatchLlmTransform.PROVIDER,
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

  /** A parsed JSON object as the map it is (parsed JSON has string keys). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> cast(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }
}
