package io.elspeth.testkit.chaosllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The Azure OpenAI Batch API of {@link ChaosLlmServer}: {@code POST /openai/files} (multipart
 * upload, {@code purpose=batch}), {@code POST /openai/batches}, {@code GET /openai/batches/{id}}
 * and {@code GET /openai/files/{id}/content}, each with the {@code api-version} query parameter and
 * the {@code api-key} header. A batch runs for {@link Behaviour#completionSeconds()} after its
 * creation ({@code validating}, then {@code in_progress}) and then ends in the configured terminal
 * status; a completed batch has an output file (one chat completion per request line, in the
 * server's response mode) and, when rows failed, an error file.
 *
 * <p>Faults are chosen by the 1-based position of the request line, so a test knows which rows they
 * hit: every {@code rowErrorEvery}-th line goes to the error file (HTTP 400 {@code
 * content_filter}); every {@code missingEvery}-th line is in neither file; every {@code
 * duplicateEvery}-th line is in the output twice; every {@code malformedEvery}-th output line is
 * not JSON. An input file whose lines are not valid requests, or repeat a {@code custom_id}, makes
 * the batch {@code failed} at validation, as the service does.
 *
 * <p>Counters ({@link #calls(String)}) count requests by operation: {@code files.create}, {@code
 * batches.create}, {@code batches.retrieve}, {@code files.content}.
 */
public final class ChaosBatchApi {
  public static final String FILES_CREATE = "files.create";
  public static final String BATCHES_CREATE = "batches.create";
  public static final String BATCHES_RETRIEVE = "batches.retrieve";
  public static final String FILES_CONTENT = "files.content";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern BATCH = Pattern.compile("/openai/batches/([^/]+)");
  private static final Pattern FILE_CONTENT = Pattern.compile("/openai/files/([^/]+)/content");

  /**
   * How batches behave; fixed for a batch when it is created.
   *
   * @param completionSeconds time from creation to the terminal status
   * @param terminalStatus {@code completed}, {@code failed}, {@code expired} or {@code cancelled}
   */
  public record Behaviour(
      double completionSeconds,
      String terminalStatus,
      int rowErrorEvery,
      int missingEvery,
      int duplicateEvery,
      int malformedEvery) {
    public Behaviour {
      if (!List.of("completed", "failed", "expired", "cancelled").contains(terminalStatus)) {
        throw new IllegalArgumentException(
            "terminalStatus: completed, failed, expired or" + " cancelled, got " + terminalStatus);
      }
      if (completionSeconds < 0
          || rowErrorEvery < 0
          || missingEvery < 0
          || duplicateEvery < 0
          || malformedEvery < 0) {
        throw new IllegalArgumentException("batch behaviour values must be >= 0");
      }
    }

    /** Batches that complete at once, without faults. */
    public static Behaviour immediate() {
      return new Behaviour(0, "completed", 0, 0, 0, 0);
    }

    public Behaviour withCompletionSeconds(double s) {
      return new Behaviour(
          s, terminalStatus, rowErrorEvery, missingEvery, duplicateEvery, malformedEvery);
    }

    public Behaviour withTerminalStatus(String s) {
      return new Behaviour(
          completionSeconds, s, rowErrorEvery, missingEvery, duplicateEvery, malformedEvery);
    }

    public Behaviour withRowFaults(
        int errorEvery, int missingEvery, int duplicateEvery, int malformedEvery) {
      return new Behaviour(
          completionSeconds,
          terminalStatus,
          errorEvery,
          missingEvery,
          duplicateEvery,
          malformedEvery);
    }
  }

  /** A response to send: status and JSON body, or raw bytes when {@code raw} is set. */
  record Answer(int status, @Nullable JsonNode json, byte @Nullable [] raw) {
    static Answer json(int status, JsonNode body) {
      return new Answer(status, body, null);
    }
  }

  private final BatchFiles files = new BatchFiles();
  private final Map<String, ChaosBatch> batches = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
  private volatile Behaviour behaviour = Behaviour.immediate();

  ChaosBatchApi() {}

  /** Batches created from now on behave so. */
  public void configure(Behaviour b) {
    behaviour = b;
  }

  public Behaviour behaviour() {
    return behaviour;
  }

  /** Requests received for one operation ({@link #BATCHES_CREATE} ...). */
  public long calls(String operation) {
    LongAdder a = calls.get(operation);
    return a == null ? 0 : a.sum();
  }

  /** Requests per operation, for {@code /admin/stats}. */
  Map<String, Long> callCounts() {
    Map<String, Long> out = new java.util.TreeMap<>();
    calls.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Batches created since start or the last reset. */
  public int batchCount() {
    return batches.size();
  }

  /** Ends the time to completion of every batch created so far: the next poll sees its end. */
  public void finishAll() {
    batches.values().forEach(b -> b.due = true);
  }

  /** Forgets every file and batch and clears the counters; the behaviour stays. */
  public void reset() {
    files.clear();
    batches.clear();
    calls.clear();
  }

  static boolean routes(String path) {
    return path.equals("/openai/files")
        || path.equals("/openai/batches")
        || BATCH.matcher(path).matches()
        || FILE_CONTENT.matcher(path).matches();
  }

  /** The route template of {@code path}, for the server's per-endpoint counters. */
  static String template(String path) {
    if (FILE_CONTENT.matcher(path).matches()) {
      return "/openai/files/{file_id}/content";
    }
    if (BATCH.matcher(path).matches()) {
      return "/openai/batches/{batch_id}";
    }
    return path;
  }

  /**
   * Answers one authenticated Batch API request; {@code completion} turns a chat request body into
   * the server's chat completion.
   */
  Answer handle(
      String method,
      String path,
      @Nullable String contentType,
      byte[] body,
      Function<JsonNode, ObjectNode> completion) {
    if (path.equals("/openai/files") && method.equals("POST")) {
      count(FILES_CREATE);
      return upload(contentType, body);
    }
    if (path.equals("/openai/batches") && method.equals("POST")) {
      count(BATCHES_CREATE);
      return create(body);
    }
    Matcher b = BATCH.matcher(path);
    if (b.matches() && method.equals("GET")) {
      count(BATCHES_RETRIEVE);
      ChaosBatch batch = batches.get(b.group(1));
      return batch == null
          ? notFound("batch " + b.group(1))
          : Answer.json(200, batch.view(completion));
    }
    Matcher f = FILE_CONTENT.matcher(path);
    if (f.matches() && method.equals("GET")) {
      count(FILES_CONTENT);
      BatchFiles.StoredFile file = files.get(f.group(1));
      return file == null ? notFound("file " + f.group(1)) : new Answer(200, null, file.content());
    }
    return Answer.json(405, error("MethodNotAllowed", path + " does not take " + method));
  }

  private void count(String operation) {
    calls.computeIfAbsent(operation, k -> new LongAdder()).increment();
  }

  // ------------------------------------------------------------------ requests

  private Answer upload(@Nullable String contentType, byte[] body) {
    String boundary = contentType == null ? null : MultipartForm.boundary(contentType);
    if (boundary == null) {
      return Answer.json(400, error("BadRequest", "expected a multipart/form-data body"));
    }
    String purpose = null;
    String filename = null;
    byte[] content = null;
    for (MultipartForm.Part p : MultipartForm.parts(body, boundary)) {
      if ("purpose".equals(p.name())) {
        purpose = new String(p.content(), StandardCharsets.UTF_8).strip();
      } else if ("file".equals(p.name())) {
        filename = p.filename();
        content = p.content();
      }
    }
    if (!"batch".equals(purpose)) {
      return Answer.json(400, error("invalidPayload", "purpose must be 'batch', got " + purpose));
    }
    if (content == null) {
      return Answer.json(400, error("invalidPayload", "the 'file' part is required"));
    }
    BatchFiles.StoredFile file =
        files.store(filename == null ? "upload.jsonl" : filename, "batch", content);
    return Answer.json(200, BatchFiles.json(file));
  }

  // ---------------------------------------------------------------- batches

  private Answer create(byte[] body) {
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (IOException e) {
      request = null;
    }
    if (request == null || !request.isObject()) {
      return Answer.json(400, error("BadRequest", "the request body must be a JSON object"));
    }
    String inputFileId = request.path("input_file_id").asText(null);
    String endpoint = request.path("endpoint").asText(null);
    String window = request.path("completion_window").asText("24h");
    if (inputFileId == null || endpoint == null) {
      return Answer.json(400, error("BadRequest", "input_file_id and endpoint are required"));
    }
    BatchFiles.StoredFile input = files.get(inputFileId);
    if (input == null) {
      return Answer.json(404, error("NotFound", "no file " + inputFileId));
    }
    String id = "batch_" + UUID.randomUUID();
    ChaosBatch batch =
        new ChaosBatch(
            id,
            inputFileId,
            endpoint,
            window,
            behaviour,
            ChaosBatch.validationError(input, endpoint),
            files);
    batches.put(id, batch);
    return Answer.json(200, batch.json("validating"));
  }

  private static Answer notFound(String what) {
    return Answer.json(404, error("NotFound", "no " + what));
  }

  private static ObjectNode error(String code, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error").put("code", code).put("message", message);
    return body;
  }
}
