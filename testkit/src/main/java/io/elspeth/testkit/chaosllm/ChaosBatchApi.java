package io.elspeth.testkit.chaosllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
 * and {@code GET /openai/files/{id}/content}, each with the {@code api-version} query parameter
 * and the {@code api-key} header. A batch runs for {@link Behaviour#completionSeconds()} after
 * its creation ({@code validating}, then {@code in_progress}) and then ends in the configured
 * terminal status; a completed batch has an output file (one chat completion per request line,
 * in the server's response mode) and, when rows failed, an error file.
 *
 * <p>Faults are chosen by the 1-based position of the request line, so a test knows which rows
 * they hit: every {@code rowErrorEvery}-th line goes to the error file (HTTP 400
 * {@code content_filter}); every {@code missingEvery}-th line is in neither file; every
 * {@code duplicateEvery}-th line is in the output twice; every {@code malformedEvery}-th output
 * line is not JSON. An input file whose lines are not valid requests, or repeat a
 * {@code custom_id}, makes the batch {@code failed} at validation, as the service does.
 *
 * <p>Counters ({@link #calls(String)}) count requests by operation: {@code files.create},
 * {@code batches.create}, {@code batches.retrieve}, {@code files.content}.
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
  public record Behaviour(double completionSeconds, String terminalStatus, int rowErrorEvery,
      int missingEvery, int duplicateEvery, int malformedEvery) {
    public Behaviour {
      if (!List.of("completed", "failed", "expired", "cancelled").contains(terminalStatus)) {
        throw new IllegalArgumentException("terminalStatus: completed, failed, expired or"
            + " cancelled, got " + terminalStatus);
      }
      if (completionSeconds < 0 || rowErrorEvery < 0 || missingEvery < 0 || duplicateEvery < 0
          || malformedEvery < 0) {
        throw new IllegalArgumentException("batch behaviour values must be >= 0");
      }
    }

    /** Batches that complete at once, without faults. */
    public static Behaviour immediate() {
      return new Behaviour(0, "completed", 0, 0, 0, 0);
    }

    public Behaviour withCompletionSeconds(double s) {
      return new Behaviour(s, terminalStatus, rowErrorEvery, missingEvery, duplicateEvery,
          malformedEvery);
    }

    public Behaviour withTerminalStatus(String s) {
      return new Behaviour(completionSeconds, s, rowErrorEvery, missingEvery, duplicateEvery,
          malformedEvery);
    }

    public Behaviour withRowFaults(int errorEvery, int missingEvery, int duplicateEvery,
        int malformedEvery) {
      return new Behaviour(completionSeconds, terminalStatus, errorEvery, missingEvery,
          duplicateEvery, malformedEvery);
    }
  }

  /** A response to send: status and JSON body, or raw bytes when {@code raw} is set. */
  record Answer(int status, @Nullable JsonNode json, byte @Nullable [] raw) {
    static Answer json(int status, JsonNode body) {
      return new Answer(status, body, null);
    }
  }

  private record StoredFile(String id, String filename, String purpose, byte[] content,
      long createdAt) {}

  private static final class Batch {
    final String id;
    final String inputFileId;
    final String endpoint;
    final String completionWindow;
    final long createdAt;
    final Behaviour behaviour;
    final @Nullable String validationError;
    final long startedNanos;
    volatile @Nullable ObjectNode finished;
    volatile boolean due;

    Batch(String id, String inputFileId, String endpoint, String completionWindow,
        Behaviour behaviour, @Nullable String validationError) {
      this.id = id;
      this.inputFileId = inputFileId;
      this.endpoint = endpoint;
      this.completionWindow = completionWindow;
      this.createdAt = Instant.now().getEpochSecond();
      this.behaviour = behaviour;
      this.validationError = validationError;
      this.startedNanos = System.nanoTime();
    }
  }

  private final Map<String, StoredFile> files = new ConcurrentHashMap<>();
  private final Map<String, Batch> batches = new ConcurrentHashMap<>();
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
    return path.equals("/openai/files") || path.equals("/openai/batches")
        || BATCH.matcher(path).matches() || FILE_CONTENT.matcher(path).matches();
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
   * Answers one authenticated Batch API request; {@code completion} turns a chat request body
   * into the server's chat completion.
   */
  Answer handle(String method, String path, @Nullable String contentType, byte[] body,
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
      Batch batch = batches.get(b.group(1));
      return batch == null ? notFound("batch " + b.group(1)) : Answer.json(200, view(batch,
          completion));
    }
    Matcher f = FILE_CONTENT.matcher(path);
    if (f.matches() && method.equals("GET")) {
      count(FILES_CONTENT);
      StoredFile file = files.get(f.group(1));
      return file == null ? notFound("file " + f.group(1)) : new Answer(200, null, file.content());
    }
    return Answer.json(405, error("MethodNotAllowed", path + " does not take " + method));
  }

  private void count(String operation) {
    calls.computeIfAbsent(operation, k -> new LongAdder()).increment();
  }

  // ------------------------------------------------------------------ files

  private Answer upload(@Nullable String contentType, byte[] body) {
    String boundary = contentType == null ? null : boundary(contentType);
    if (boundary == null) {
      return Answer.json(400, error("BadRequest", "expected a multipart/form-data body"));
    }
    String purpose = null;
    String filename = null;
    byte[] content = null;
    for (Part p : parts(body, boundary)) {
      if ("purpose".equals(p.name)) {
        purpose = new String(p.content, StandardCharsets.UTF_8).strip();
      } else if ("file".equals(p.name)) {
        filename = p.filename;
        content = p.content;
      }
    }
    if (!"batch".equals(purpose)) {
      return Answer.json(400, error("invalidPayload", "purpose must be 'batch', got " + purpose));
    }
    if (content == null) {
      return Answer.json(400, error("invalidPayload", "the 'file' part is required"));
    }
    StoredFile file = store(filename == null ? "upload.jsonl" : filename, "batch", content);
    return Answer.json(200, fileJson(file));
  }

  private StoredFile store(String filename, String purpose, byte[] content) {
    String id = "file-" + UUID.randomUUID().toString().replace("-", "");
    StoredFile file = new StoredFile(id, filename, purpose, content,
        Instant.now().getEpochSecond());
    files.put(id, file);
    return file;
  }

  private static ObjectNode fileJson(StoredFile f) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", f.id()).put("object", "file").put("bytes", f.content().length)
        .put("created_at", f.createdAt()).put("filename", f.filename())
        .put("purpose", f.purpose()).put("status", "processed");
    return n;
  }

  private record Part(@Nullable String name, @Nullable String filename, byte[] content) {}

  private static @Nullable String boundary(String contentType) {
    if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
      return null;
    }
    for (String piece : contentType.split(";")) {
      String t = piece.strip();
      if (t.startsWith("boundary=")) {
        String v = t.substring("boundary=".length());
        return v.startsWith("\"") ? v.substring(1, v.length() - 1) : v;
      }
    }
    return null;
  }

  /** Splits a multipart body; binary-safe (the file part may hold any bytes). */
  private static List<Part> parts(byte[] body, String boundary) {
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    List<Part> out = new ArrayList<>();
    int pos = indexOf(body, delimiter, 0);
    while (pos >= 0) {
      int start = pos + delimiter.length;
      if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
        break;
      }
      start += 2; // CRLF after the delimiter
      int next = indexOf(body, delimiter, start);
      if (next < 0) {
        break;
      }
      int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
      if (headersEnd < 0 || headersEnd > next) {
        break;
      }
      String headers = new String(body, start, headersEnd - start, StandardCharsets.UTF_8);
      int contentStart = headersEnd + 4;
      int contentEnd = next - 2; // CRLF before the next delimiter
      byte[] content = java.util.Arrays.copyOfRange(body, contentStart,
          Math.max(contentStart, contentEnd));
      out.add(new Part(attribute(headers, "name"), attribute(headers, "filename"), content));
      pos = next;
    }
    return out;
  }

  private static @Nullable String attribute(String headers, String name) {
    Matcher m = Pattern.compile("[; ]" + name + "=\"([^\"]*)\"").matcher(headers);
    return m.find() ? m.group(1) : null;
  }

  private static int indexOf(byte[] data, byte[] pattern, int from) {
    outer:
    for (int i = Math.max(0, from); i <= data.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
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
    StoredFile input = files.get(inputFileId);
    if (input == null) {
      return Answer.json(404, error("NotFound", "no file " + inputFileId));
    }
    String id = "batch_" + UUID.randomUUID();
    Batch batch = new Batch(id, inputFileId, endpoint, window, behaviour, validate(input,
        endpoint));
    batches.put(id, batch);
    return Answer.json(200, base(batch, "validating"));
  }

  /** Why the service would refuse the input file at validation, or null. */
  private static @Nullable String validate(StoredFile input, String endpoint) {
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
      if (!"POST".equals(l.path("method").asText()) || !endpoint.equals(l.path("url").asText())
          || !l.path("body").path("messages").isArray()) {
        return "line " + n + " is not a POST of " + endpoint + " with messages";
      }
    }
    return n == 0 ? "the input file has no requests" : null;
  }

  private ObjectNode view(Batch batch, Function<JsonNode, ObjectNode> completion) {
    double elapsed = (System.nanoTime() - batch.startedNanos) / 1e9;
    if (batch.validationError != null) {
      ObjectNode n = base(batch, "failed");
      n.put("failed_at", Instant.now().getEpochSecond());
      n.putObject("errors").put("object", "list").putArray("data").addObject()
          .put("code", "invalid_request").put("message", batch.validationError);
      return n;
    }
    if (!batch.due && elapsed < batch.behaviour.completionSeconds()) {
      return base(batch, elapsed < batch.behaviour.completionSeconds() / 4 ? "validating"
          : "in_progress");
    }
    synchronized (batch) {
      if (batch.finished == null) {
        batch.finished = finish(batch, completion);
      }
      return batch.finished.deepCopy();
    }
  }

  private ObjectNode finish(Batch batch, Function<JsonNode, ObjectNode> completion) {
    String status = batch.behaviour.terminalStatus();
    ObjectNode n = base(batch, status);
    long now = Instant.now().getEpochSecond();
    switch (status) {
      case "failed" -> {
        n.put("failed_at", now);
        n.putObject("errors").put("object", "list").putArray("data").addObject()
            .put("code", "server_error").put("message", "ChaosLLM: injected batch failure");
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
      default -> { }
    }
    Behaviour b = batch.behaviour;
    StringBuilder output = new StringBuilder();
    StringBuilder errors = new StringBuilder();
    int total = 0;
    int ok = 0;
    int failed = 0;
    int position = 0;
    // Files are never deleted, and a batch is created only for an uploaded input file.
    StoredFile input = Objects.requireNonNull(files.get(batch.inputFileId),
        () -> "batch " + batch.id + ": input file " + batch.inputFileId + " is not stored");
    for (String line : new String(input.content(),
        StandardCharsets.UTF_8).split("\n")) {
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
        response.putObject("body").putObject("error").put("code", "content_filter")
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
      String text = every(b.malformedEvery(), position)
          ? "{\"id\": \"batch_req_" + requestId + "\", \"custom_id\": \"" + customId + "\", trunc"
          : out.toString();
      output.append(text).append('\n');
      if (every(b.duplicateEvery(), position)) {
        output.append(text).append('\n');
      }
    }
    n.put("completed_at", now).put("finalizing_at", now);
    n.put("output_file_id", store("batch_" + batch.id + "_output.jsonl", "batch_output",
        output.toString().getBytes(StandardCharsets.UTF_8)).id());
    if (errors.length() > 0) {
      n.put("error_file_id", store("batch_" + batch.id + "_error.jsonl", "batch_output",
          errors.toString().getBytes(StandardCharsets.UTF_8)).id());
    }
    n.putObject("request_counts").put("total", total).put("completed", ok).put("failed", failed);
    return n;
  }

  private static boolean every(int n, int position) {
    return n > 0 && position % n == 0;
  }

  private static ObjectNode base(Batch batch, String status) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", batch.id).put("object", "batch").put("endpoint", batch.endpoint)
        .putNull("errors");
    n.put("input_file_id", batch.inputFileId).put("completion_window", batch.completionWindow)
        .put("status", status).putNull("output_file_id").putNull("error_file_id")
        .put("created_at", batch.createdAt).put("in_progress_at", batch.createdAt)
        .put("expires_at", batch.createdAt + 24 * 3600).putNull("completed_at")
        .putNull("failed_at").putNull("expired_at").putNull("cancelled_at");
    n.putObject("request_counts").put("total", 0).put("completed", 0).put("failed", 0);
    n.putNull("metadata");
    return n;
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
