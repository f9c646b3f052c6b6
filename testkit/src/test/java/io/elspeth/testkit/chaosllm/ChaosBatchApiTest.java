package io.elspeth.testkit.chaosllm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake Azure OpenAI Batch API on the wire, as any client sees it. */
class ChaosBatchApiTest {
  private static final String Q = "?api-version=2024-10-21";
  private ChaosLlmServer server;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    server =
        ChaosLlmServer.start(
            ChaosConfig.builder().responseMode(ChaosConfig.ResponseMode.ECHO).build());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static String line(String customId, String prompt) {
    return "{\"custom_id\":\""
        + customId
        + "\",\"method\":\"POST\",\"url\":\"/chat/completions\","
        + "\"body\":{\"model\":\"dep\",\"messages\":[{\"role\":\"user\",\"content\":\""
        + prompt
        + "\"}]}}";
  }

  private HttpResponse<String> send(
      String method, String path, byte[] body, String contentType, boolean key) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.httpUrl() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (key) {
      b.header("api-key", "k");
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String upload(String jsonl) throws Exception {
    String boundary = "b0undary";
    String body =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
            + "batch\r\n--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\";"
            + " filename=\"in.jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            + jsonl
            + "\r\n--"
            + boundary
            + "--\r\n";
    HttpResponse<String> r =
        send(
            "POST",
            "/openai/files" + Q,
            body.getBytes(StandardCharsets.UTF_8),
            "multipart/form-data; boundary=" + boundary,
            true);
    assertThat(r.body(), r.statusCode(), is(200));
    JsonNode file = Http.JSON.readTree(r.body());
    assertThat(file.path("purpose").asText(), is("batch"));
    assertThat(file.path("bytes").asInt(), is(jsonl.getBytes(StandardCharsets.UTF_8).length));
    return file.path("id").asText();
  }

  private JsonNode create(String fileId) throws Exception {
    HttpResponse<String> r =
        send(
            "POST",
            "/openai/batches" + Q,
            ("{\"input_file_id\":\""
                    + fileId
                    + "\",\"endpoint\":\"/chat/completions\",\"completion_window\":\"24h\"}")
                .getBytes(StandardCharsets.UTF_8),
            "application/json",
            true);
    assertThat(r.body(), r.statusCode(), is(200));
    return Http.JSON.readTree(r.body());
  }

  private JsonNode retrieve(String batchId) throws Exception {
    HttpResponse<String> r = send("GET", "/openai/batches/" + batchId + Q, null, null, true);
    assertThat(r.body(), r.statusCode(), is(200));
    return Http.JSON.readTree(r.body());
  }

  private List<JsonNode> content(String fileId) throws Exception {
    HttpResponse<String> r =
        send("GET", "/openai/files/" + fileId + "/content" + Q, null, null, true);
    assertThat(r.statusCode(), is(200));
    assertThat(r.headers().firstValue("Content-Type").orElse(""), is("application/octet-stream"));
    List<JsonNode> lines = new ArrayList<>();
    for (String l : r.body().split("\n")) {
      if (!l.isBlank()) {
        lines.add(Http.JSON.readTree(l));
      }
    }
    return lines;
  }

  @Test
  void aJobRunsForItsTimeThenItsOutputAndErrorFilesAnswerEachLine() throws Exception {
    server
        .batchApi()
        .configure(
            ChaosBatchApi.Behaviour.immediate()
                .withCompletionSeconds(0.4)
                .withRowFaults(3, 0, 0, 0));
    String fileId =
        upload(line("a", "one") + "\n" + line("b", "two") + "\n" + line("c", "three") + "\n");
    JsonNode batch = create(fileId);
    assertThat(batch.path("status").asText(), is("validating"));
    assertThat(batch.path("id").asText(), startsWith("batch_"));
    assertThat(
        retrieve(batch.path("id").asText()).path("status").asText(),
        org.hamcrest.Matchers.oneOf("validating", "in_progress"));
    Thread.sleep(500);
    JsonNode done = retrieve(batch.path("id").asText());
    assertThat(done.path("status").asText(), is("completed"));
    assertThat(done.path("request_counts").path("completed").asInt(), is(2));
    assertThat(done.path("request_counts").path("failed").asInt(), is(1));
    List<JsonNode> out = content(done.path("output_file_id").asText());
    assertThat(out, hasSize(2));
    assertThat(out.get(0).path("custom_id").asText(), is("a"));
    assertThat(
        out.get(0)
            .path("response")
            .path("body")
            .path("choices")
            .path(0)
            .path("message")
            .path("content")
            .asText(),
        is("one"));
    List<JsonNode> errors = content(done.path("error_file_id").asText());
    assertThat(errors.get(0).path("custom_id").asText(), is("c"));
    assertThat(errors.get(0).path("response").path("status_code").asInt(), is(400));
    assertThat(server.batchApi().calls(ChaosBatchApi.BATCHES_CREATE), is(1L));
    assertThat(server.batchApi().calls(ChaosBatchApi.BATCHES_RETRIEVE), is(2L));
    assertThat(server.batchApi().calls(ChaosBatchApi.FILES_CONTENT), is(2L));
  }

  @Test
  void missingDuplicateAndMalformedLinesAreServedAsConfigured() throws Exception {
    server.batchApi().configure(ChaosBatchApi.Behaviour.immediate().withRowFaults(0, 2, 3, 4));
    StringBuilder in = new StringBuilder();
    for (int i = 1; i <= 4; i++) {
      in.append(line("r" + i, "p" + i)).append('\n');
    }
    JsonNode done = retrieve(create(upload(in.toString())).path("id").asText());
    HttpResponse<String> r =
        send(
            "GET",
            "/openai/files/" + done.path("output_file_id").asText() + "/content" + Q,
            null,
            null,
            true);
    String[] lines = r.body().split("\n");
    // r1 once, r2 and r4 missing (every 2nd), r3 twice.
    assertThat(lines.length, is(3));
    assertThat(Http.JSON.readTree(lines[0]).path("custom_id").asText(), is("r1"));
    assertThat(lines[1], is(lines[2]));
    assertThat(Http.JSON.readTree(lines[1]).path("custom_id").asText(), is("r3"));
  }

  @Test
  void terminalFailuresAndRefusedInputsEndTheJobWithoutOutput() throws Exception {
    for (String status : List.of("failed", "expired", "cancelled")) {
      server.batchApi().configure(ChaosBatchApi.Behaviour.immediate().withTerminalStatus(status));
      JsonNode done = retrieve(create(upload(line("a", "x") + "\n")).path("id").asText());
      assertThat(done.path("status").asText(), is(status));
      assertThat(done.path("output_file_id").isNull(), is(true));
    }
    server.batchApi().configure(ChaosBatchApi.Behaviour.immediate());
    JsonNode refused =
        retrieve(create(upload(line("a", "x") + "\n" + line("a", "y") + "\n")).path("id").asText());
    assertThat(refused.path("status").asText(), is("failed"));
    assertThat(
        refused.path("errors").path("data").path(0).path("message").asText(),
        containsString("repeats custom_id a"));
  }

  @Test
  void theBatchApiWantsAKeyAndAnApiVersion() throws Exception {
    assertThat(send("GET", "/openai/batches/x" + Q, null, null, false).statusCode(), is(401));
    assertThat(send("GET", "/openai/batches/x", null, null, true).statusCode(), is(400));
    assertThat(send("GET", "/openai/batches/x" + Q, null, null, true).statusCode(), is(404));
    assertThat(server.stats().endpoint("/openai/batches/{batch_id}"), is(3L));
  }

  @Test
  void finishAllEndsTheRunningJobsNow() throws Exception {
    server.batchApi().configure(ChaosBatchApi.Behaviour.immediate().withCompletionSeconds(3600));
    String id = create(upload(line("a", "x") + "\n")).path("id").asText();
    assertThat(retrieve(id).path("status").asText(), is("validating"));
    server.batchApi().finishAll();
    assertThat(retrieve(id).path("status").asText(), is("completed"));
    assertThat(server.batchApi().batchCount(), is(1));
    server.reset();
    assertThat(server.batchApi().batchCount(), is(0));
    assertThat(server.batchApi().calls(ChaosBatchApi.BATCHES_CREATE), is(0L));
  }
}
