package io.elspeth.api;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.pipelines.e2e.ChaosLlmFixture;
import io.elspeth.testkit.beam.ElspethExtension;
import io.elspeth.testkit.beam.TestLandscape;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code azure_llm} plugin as a typed transform against the fake Azure OpenAI server (ChaosLLM
 * over HTTPS, through the real Azure SDK): applied alone, each row's answer and one recorded call
 * per row; in a built pipeline, every call in the Landscape of a run that reconciles, and the key
 * nowhere in it.
 */
@ExtendWith(ElspethExtension.class)
class ElspethLlmTransformsTest {
  private static final String KEY = "sk-elspeth-api-test-3c9d1e";

  @TempDir Path dir;

  private static List<Map<String, Object>> reviews(int n) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", (long) i);
      row.put("text", "review " + i + " was " + (i % 2 == 0 ? "great" : "awful"));
      rows.add(row);
    }
    return rows;
  }

  private static AzureLlm sentiment(ChaosLlmServer server) {
    return ElspethTransforms.azureLlm()
        .withDeployment("gpt-4o-mini")
        .withEndpoint(server.httpsUrl().toString())
        .withApiKey(KEY)
        .withSystemPrompt("You classify sentiment.")
        .withTemplate("Sentiment of: {{ row.text }}")
        .withResponseField("sentiment")
        .named("classify");
  }

  @Test
  void anAzureLlmTransformAnswersEachRowAndRecordsOneCallPerRow(TestPipeline p) {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder().responseMode(ChaosConfig.ResponseMode.ECHO).build());
    StepResult scored =
        p.apply(ElspethTransforms.rows(reviews(3)))
            .apply("classify", sentiment(server).withPoolSize(2));

    PAssert.that(scored.main())
        .satisfies(
            tokens -> {
              List<String> answers = new ArrayList<>();
              for (Token t : tokens) {
                assertThat(
                    t.data().get("sentiment"), equalTo("Sentiment of: " + t.data().get("text")));
                answers.add((String) t.data().get("sentiment"));
              }
              assertThat(answers, hasSize(3));
              return null;
            });
    PAssert.that(scored.audit())
        .satisfies(
            records -> {
              List<CallRecord> calls = new ArrayList<>();
              List<String> states = new ArrayList<>();
              for (AuditRecord r : records) {
                if (r instanceof CallRecord c) {
                  calls.add(c);
                } else if (r instanceof NodeStateRecord s) {
                  states.add(s.status());
                }
              }
              assertThat(calls, hasSize(3));
              calls.forEach(
                  c -> assertThat(c.callType() + " " + c.status(), equalTo("llm success")));
              assertThat(states, everyItem(equalTo("completed")));
              assertThat(records.toString(), not(containsString(KEY)));
              return null;
            });
    p.run().waitUntilFinish();
    assertThat(server.stats().totalRequests(), is(3L));
  }

  @Test
  void aBuiltPipelineWithTheTypedLlmRecordsEveryCallInALandscapeThatReconciles(
      TestPipeline p, TestLandscape landscape) throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder().responseMode(ChaosConfig.ResponseMode.ECHO).build());
    StringBuilder jsonl = new StringBuilder();
    for (Map<String, Object> row : reviews(4)) {
      jsonl
          .append("{\"id\": ")
          .append(row.get("id"))
          .append(", \"text\": \"")
          .append(row.get("text"))
          .append("\"}\n");
    }
    Path input = Files.writeString(dir.resolve("reviews.jsonl"), jsonl.toString());
    ElspethPipeline elspeth =
        ElspethPipeline.builder()
            .source(
                "json",
                Map.of(
                    "path",
                    input.toString(),
                    "schema",
                    Map.of("fields", "dynamic"),
                    "on_validation_failure",
                    "discard"))
            .transform(sentiment(server).withOnError("llm_errors"))
            .transform(ElspethTransforms.fieldMapper(Map.of("sentiment", "verdict")))
            .gate(
                ElspethTransforms.gate("'great' in row['text']")
                    .named("praise")
                    .route("true", "praised")
                    .route("false", "continue"))
            .sink("out", "json", Map.of("path", dir.resolve("out.jsonl").toString()))
            .sink("praised", "json", Map.of("path", dir.resolve("praised.jsonl").toString()))
            .sink("llm_errors", "json", Map.of("path", dir.resolve("errors.jsonl").toString()))
            .defaultSink("out")
            .setting("payload_store", Map.of("base_path", dir.resolve("payloads").toString()))
            .build();
    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.that(result.sink("praised"))
        .satisfies(
            rows -> {
              List<Long> ids = new ArrayList<>();
              rows.forEach(
                  r -> {
                    assertThat(r.get("verdict"), equalTo("Sentiment of: " + r.get("text")));
                    ids.add(((Number) r.get("id")).longValue());
                  });
              assertThat(ids, containsInAnyOrder(0L, 2L));
              return null;
            });

    RunResult run = elspeth.run(p);

    assertThat(run.toString(), run.status(), equalTo("completed"));
    landscape
        .assertRun(run.runId())
        .reconciles()
        .hasCalls("azure_llm", 4)
        .hasOutcomes("praised", "routed", 2)
        .hasOutcomes("out", "completed", 2);
    assertThat(server.stats().totalRequests(), is(4L));
    assertThat(
        Files.readString(landscape.file(), java.nio.charset.StandardCharsets.ISO_8859_1),
        not(containsString(KEY)));
  }

  @Test
  void anOpenRouterLlmTransformRecordsEachHttpCallWithoutTheBearerToken(TestPipeline p) {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("positive")
                .build());
    StepResult scored =
        p.apply(ElspethTransforms.rows(reviews(2)))
            .apply(
                ElspethTransforms.openRouterLlm()
                    .withModel("openai/gpt-4o-mini")
                    .withBaseUrl(server.httpUrl() + "/api/v1")
                    .withApiKey(KEY)
                    .withTemplate("{{ row.text }}"));

    PAssert.that(scored.main())
        .satisfies(
            tokens -> {
              List<Object> answers = new ArrayList<>();
              tokens.forEach(t -> answers.add(t.data().get("llm_response")));
              assertThat(answers, hasSize(2));
              assertThat(answers, everyItem(equalTo("positive")));
              return null;
            });
    PAssert.that(scored.audit())
        .satisfies(
            records -> {
              List<String> calls = new ArrayList<>();
              records.forEach(
                  r -> {
                    if (r instanceof CallRecord c) {
                      calls.add(c.callType() + " " + c.status());
                    }
                  });
              assertThat(calls, hasSize(2));
              assertThat(calls, everyItem(equalTo("http success")));
              assertThat(records.toString(), not(containsString(KEY)));
              return null;
            });
    p.run().waitUntilFinish();
  }
}
