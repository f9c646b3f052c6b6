package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.console.WebConsole;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console follows a real run while it runs: `elspeth run` of an LLM pipeline, slowed by
 * ChaosLLM's latency, in a thread of its own; the console, started on the same Landscape once the
 * run is recorded, streams its progress over server-sent events. The stream shows the run running
 * with part of its rows, then completed with all of them, and ends.
 */
@Tag("e2e")
class LlmLiveConsoleEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ROWS = 24;

  @TempDir Path dir;

  @Test
  void theConsoleStreamsTheProgressOfARunningPipeline() throws Exception {
    // Each answer takes about 250 ms: the run lasts seconds, long enough to watch.
    ChaosLlmServer server =
        ChaosLlmFixture.with(ChaosConfig.builder().template("positive").latency(250, 20).build());
    Path in = dir.resolve("input.jsonl");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < ROWS; i++) {
      rows.append("{\"id\": ").append(i).append(", \"text\": \"review ").append(i).append("\"}\n");
    }
    Files.writeString(in, rows.toString());
    Path db = dir.resolve("landscape.db");
    String yaml =
        LlmTransformsEndToEndTest.header(dir, in)
            + "transforms:\n  - plugin: azure_llm\n    options:\n"
            + "      deployment_name: gpt-4o-mini\n"
            + "      endpoint: "
            + server.httpsUrl()
            + "\n"
            + "      api_key: "
            + LlmTransformsEndToEndTest.SECRET
            + "\n"
            + "      template: \"Sentiment of: {{ row.text }}\"\n"
            + "      response_field: sentiment\n"
            + "sinks:\n  out: {plugin: json, options: {path: "
            + dir.resolve("out.jsonl")
            + "}}\n"
            + "default_sink: out\n"
            + "payload_store: {base_path: "
            + dir.resolve("payloads")
            + "}\n"
            + "landscape: {url: \"sqlite:///"
            + db
            + "\"}\n"
            + "lineage: {file: "
            + dir.resolve("lineage.jsonl")
            + ", running_interval_seconds: 0.5}\n";
    Path settings = CliHarness.settings(dir, yaml);
    CompletableFuture<CliHarness.Result> run =
        CompletableFuture.supplyAsync(
            () -> CliHarness.run("run", "-s", settings.toString(), "--execute"));

    String runId = awaitRunRecorded(db, run);
    List<JsonNode> progress = new ArrayList<>();
    try (LandscapeStore store = LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + db));
        WebConsole console =
            WebConsole.builder(store)
                .withPort(0)
                .withPollInterval(Duration.ofMillis(200))
                .start()) {
      HttpResponse<Stream<String>> events =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(console.url() + "runs/" + runId + "/events"))
                      .header("Accept", "text/event-stream")
                      .build(),
                  HttpResponse.BodyHandlers.ofLines());
      assertThat(events.statusCode(), is(200));
      // The stream ends when the run has finished.
      try (Stream<String> lines = events.body()) {
        lines
            .filter(l -> l.startsWith("data:"))
            .forEach(l -> progress.add(parse(l.substring("data:".length()).trim())));
      }
    }
    CliHarness.Result result = run.get(2, TimeUnit.MINUTES);
    assertThat(result.err(), result.exitCode(), is(0));

    JsonNode last = progress.get(progress.size() - 1);
    assertThat(last.path("status").asText(), is("completed"));
    assertThat(last.path("rows").asLong(), is((long) ROWS));
    assertThat(last.at("/sinks/out").asLong(), is((long) ROWS));
    List<JsonNode> running =
        progress.stream().filter(p -> p.path("status").asText().equals("running")).toList();
    assertThat(
        "progress events while the run ran: " + progress, running.size(), greaterThanOrEqualTo(2));
    // Seen part-way: some event shows fewer rows through the LLM step than the run ends with.
    long partWay = running.stream().filter(p -> llmDone(p) < ROWS).count();
    assertThat("an event with the LLM step part-way: " + progress, partWay, greaterThan(0L));
    // Counts never go backwards.
    for (int i = 1; i < progress.size(); i++) {
      assertThat(
          progress.toString(),
          progress.get(i).path("rows").asLong(),
          greaterThanOrEqualTo(progress.get(i - 1).path("rows").asLong()));
    }
    assertThat(llmDone(running.get(0)), lessThan((long) ROWS));

    // The run's OpenLineage events: START, RUNNING while it ran (rows so far), COMPLETE.
    List<JsonNode> lineage =
        CliHarness.lines(dir.resolve("lineage.jsonl")).stream()
            .map(LlmLiveConsoleEndToEndTest::parse)
            .toList();
    List<String> types = lineage.stream().map(e -> e.path("eventType").asText()).toList();
    assertThat(types.toString(), types.get(0), is("START"));
    assertThat(types.toString(), types.get(types.size() - 1), is("COMPLETE"));
    assertThat(
        types.toString(),
        types.subList(1, types.size() - 1).stream().allMatch("RUNNING"::equals),
        is(true));
    assertThat(types.toString(), types.size(), greaterThanOrEqualTo(3));
    for (JsonNode e : lineage) {
      assertThat(
          e.toString(),
          io.elspeth.pipelines.openlineage.OpenLineageSchemaCheck.problems(e.toString()),
          org.hamcrest.Matchers.empty());
    }
    assertThat(
        lineage.get(1).at("/inputs/0/inputFacets/inputStatistics/rowCount").asLong(),
        lessThan((long) ROWS + 1));
    assertThat(
        lineage
            .get(lineage.size() - 1)
            .at("/outputs/0/outputFacets/outputStatistics" + "/rowCount")
            .asLong(),
        is((long) ROWS));
  }

  /**
   * The node states the LLM step has committed, from its DAG label ({@code n} or {@code n ✓ m ✗}).
   */
  private static long llmDone(JsonNode progress) {
    var nodes = progress.path("nodes").fields();
    while (nodes.hasNext()) {
      var n = nodes.next();
      if (n.getKey().contains("azure_llm")) {
        String label = n.getValue().asText().trim();
        return label.isEmpty() ? 0 : Long.parseLong(label.split(" ")[0]);
      }
    }
    return 0;
  }

  private static String awaitRunRecorded(Path db, CompletableFuture<?> run) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (System.nanoTime() < deadline && !run.isDone()) {
      if (Files.exists(db)) {
        try (Connection c = CliHarness.landscape(db)) {
          List<java.util.Map<String, Object>> runs = CliHarness.query(c, "SELECT run_id FROM runs");
          if (!runs.isEmpty()) {
            return (String) runs.get(0).get("run_id");
          }
        } catch (java.sql.SQLException notYet) {
          // the schema is being created
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError(
        "the run was not recorded while it ran: " + (run.isDone() ? run.get() : "timed out"));
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }
}
