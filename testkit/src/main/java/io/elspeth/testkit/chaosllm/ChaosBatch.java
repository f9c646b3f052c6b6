package io.elspeth.testkit.chaosllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.elspeth.testkit.chaosllm.BatchFiles.StoredFile;
import io.elspeth.testkit.chaosllm.ChaosBatchApi.Behaviour;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One batch of the chaos Batch API: its status over time ({@code validating}, {@code in_progress},
 * then its behaviour's terminal status), and once completed its output and error files, with the
 * row faults of its {@link Behaviour} placed by request line.
 */
final class ChaosBatch {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String id;
  private final String inputFileId;
  private final String endpoint;
  private final String completionWindow;
  private final long createdAt;
  private final Behaviour behaviour;
  private final @Nullable String validationError;
  private final long startedNanos;
  private final BatchFiles files;
  private volatile @Nullable ObjectNode finished;

  /** Set by {@link ChaosBatchApi#finishAll()}: the next look ends the batch. */
  volatile boolean due;

  ChaosBatch(
      String id,
      String inputFileId,
      String endpoint,
      String completionWindow,
      Behaviour behaviour,
      @Nullable String validationError,
      BatchFiles files) {
    this.id = id;
    this.inputFileId = inputFileId;
    this.endpoint = endpoint;
    this.completionWindow = completionWindow;
    this.createdAt = Instant.now().getEpochSecond();
    this.behaviour = behaviour;
    this.validationError = validationError;
    this.startedNanos = System.nanoTime();
    this.files = files;
  }

  /** Why the service would refuse the input file at validation, or null. */
  static @Nullable String validationError(StoredFile input, String endpoint) {
    Set<String> ids = new HashSet<>();
    String[] lines = new String(input.content(), StandardCharsets.UTF_8).split("\n");
    int n = 0;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      n++;
      JsonNode l;
      try {
        l = JSON.readTree(line);
      } catch (IOException e) {
        return "line " + n + " is not valid JSON";
      }
      String customId = l.path("custom_id").asText(null);
      if (customId == null) {
        return "line " + n + " has no custom_id";
      }
      if (!ids.add(customId)) {
        return "line " + n + " repeats custom_id " + customId;
      }
      if (!"POST".equals(l.path("method").asText())
          || !endpoint.equals(l.path("url").asText())
          || !l.path("body").path("messages").isArray()) {
        return "line " + n + " is not a POST of " + endpoint + " with messages";
      }
    }
    return n == 0 ? "the input file has no requests" : null;
  }

  /**
   * The batch as {@code GET /openai/batches/{id}} shows it now: failed at validation, still
   * running, or in its terminal status (computed once, on the first look after it is due).
   */
  ObjectNode view(Function<JsonNode, ObjectNode> completion) {
    double elapsed = (System.nanoTime() - startedNanos) / 1e9;
    if (validationError != null) {
      ObjectNode n = json("failed");
      n.put("failed_at", Instant.now().getEpochSecond());
      n.putObject("errors")
          .put("object", "list")
          .putArray("data")
          .addObject()
          .put("code", "invalid_request")
          .put("message", validationError);
      return n;
    }
    if (!due && elapsed < behaviour.completionSeconds()) {
      return json(elapsed < behaviour.completionSeconds() / 4 ? "validating" : "in_progress");
    }
    synchronized (this) {
      if (finished == null) {
        finished = finish(completion);
      }
      return finished.deepCopy();
    }
  }

  private ObjectNode finish(Function<JsonNode, ObjectNode> completion) {
    String status = behaviour.terminalStatus();
    ObjectNode n = json(status);
    long now = Instant.now().getEpochSecond();
    switch (status) {
      case "failed" -> {
        n.put("failed_at", now);
        n.putObject("errors")
            .put("object", "list")
            .putArray("data")
            .addObject()
            .put("code", "server_error")
            .put("message", "ChaosLLM: injected batch failure");
        return n;
      }
      case "expired" -> {
        n.put("expired_at", now);
        return n;
      }
      case "cancelled" -> {
        n.put("cancelled_at", now);
        return n;
      }
      default -> {}
    }
    Behaviour b = behaviour;
    StringBuilder output = new StringBuilder();
    StringBuilder errors = new StringBuilder();
    int total = 0;
    int ok = 0;
    int failed = 0;
    int position = 0;
    for (String line :
        new String(
                Objects.requireNonNull(files.get(inputFileId), "the input file of a batch")
                    .content(),
                StandardCharsets.UTF_8)
            .split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      position++;
      total++;
      JsonNode request;
      try {
        request = JSON.readTree(line);
      } catch (IOException e) {
        throw new IllegalStateException("validated input became unreadable", e);
      }
      String customId = request.path("custom_id").asText();
      String requestId = UUID.randomUUID().toString();
      if (every(b.rowErrorEvery(), position)) {
        failed++;
        ObjectNode e = JSON.createObjectNode();
        e.put("id", "batch_req_" + requestId.replace("-", "")).put("custom_id", customId);
        ObjectNode response = e.putObject("response");
        response.put("status_code", 400).put("request_id", requestId);
        response
            .putObject("body")
            .putObject("error")
            .put("code", "content_filter")
            .put("message", "ChaosLLM: injected row error for " + customId)
            .put("type", "invalid_request_error");
        e.putNull("error");
        errors.append(e).append('\n');
        continue;
      }
      if (every(b.missingEvery(), position)) {
        continue;
      }
      ok++;
      ObjectNode out = JSON.createObjectNode();
      out.put("id", "batch_req_" + requestId.replace("-", "")).put("custom_id", customId);
      ObjectNode response = out.putObject("response");
      response.put("status_code", 200).put("request_id", requestId);
      response.set("body", completion.apply(request.path("body")));
      out.putNull("error");
      String text =
          every(b.malformedEvery(), position)
              ? "{\"id\": \"batch_req_"
                  + requestId
                  + "\", \"custom_id\": \""
                  + customId
                  + "\", trunc"
              : out.toString();
      output.append(text).append('\n');
      if (every(b.duplicateEvery(), position)) {
        output.append(text).append('\n');
      }
    }
    n.put("completed_at", now).put("finalizing_at", now);
    n.put(
        "output_file_id",
        files
            .store(
                "batch_" + id + "_output.jsonl",
                "batch_output",
                output.toString().getBytes(StandardCharsets.UTF_8))
            .id());
    if (errors.length() > 0) {
      n.put(
          "error_file_id",
          files
              .store(
                  "batch_" + id + "_error.jsonl",
                  "batch_output",
                  errors.toString().getBytes(StandardCharsets.UTF_8))
              .id());
    }
    n.putObject("request_counts").put("total", total).put("completed", ok).put("failed", failed);
    return n;
  }

  private static boolean every(int n, int position) {
    return n > 0 && position % n == 0;
  }

  /** The batch's Batch API description in {@code status}, before any result. */
  ObjectNode json(String status) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", id).put("object", "batch").put("endpoint", endpoint).putNull("errors");
    n.put("input_file_id", inputFileId)
        .put("completion_window", completionWindow)
        .put("status", status)
        .putNull("output_file_id")
        .putNull("error_file_id")
        .put("created_at", createdAt)
        .put("in_progress_at", createdAt)
        .put("expires_at", createdAt + 24 * 3600)
        .putNull("completed_at")
        .putNull("failed_at")
        .putNull("expired_at")
        .putNull("cancelled_at");
    n.putObject("request_counts").put("total", 0).put("completed", 0).put("failed", 0);
    n.putNull("metadata");
    return n;
  }
}
