package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped LLM and Azure AI examples run as docs/llm-plugins.md says, against ChaosLLM. */
@Tag("e2e")
class LlmExamplesEndToEndTest {
  @TempDir Path dir;

  private CliHarness.Result runExample(String name, ChaosLlmServer server) throws Exception {
    Path settings = CliHarness.example(name, dir);
    String key = LlmTransformsEndToEndTest.SECRET;
    Files.writeString(
        dir.resolve(".env"),
        String.join(
                "\n",
                "AZURE_OPENAI_ENDPOINT=" + server.httpsUrl(),
                "AZURE_OPENAI_KEY=" + key,
                "AZURE_ENDPOINT=" + server.httpsUrl(),
                "AZURE_KEY=" + key,
                "OPENROUTER_BASE_URL=" + server.httpUrl() + "/api/v1",
                "OPENROUTER_API_KEY=" + key)
            + "\n");
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    // The .env holds the key on purpose; everything the run wrote must not.
    Files.delete(dir.resolve(".env"));
    LlmTransformsEndToEndTest.assertNoSecret(dir, r);
    return r;
  }

  @Test
  void azureOpenAiSentiment() throws Exception {
    runExample(
        "azure_openai_sentiment",
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("positive")
                .build()));
    assertThat(LlmTransformsEndToEndTest.jsonl(dir.resolve("results.jsonl")), hasSize(4));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(count(c, "SELECT COUNT(*) FROM calls WHERE call_type = 'llm'"), is(4L));
    }
  }

  @Test
  void azureBatchSentiment() throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("positive")
                .build());
    runExample("azure_batch_sentiment", server);
    var rows = LlmTransformsEndToEndTest.jsonl(dir.resolve("results.jsonl"));
    assertThat(rows, hasSize(10));
    assertThat(rows.get(0).get("sentiment"), equalTo("positive"));
    assertThat(
        server.batchApi().calls(io.elspeth.testkit.chaosllm.ChaosBatchApi.BATCHES_CREATE), is(3L));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(count(c, "SELECT COUNT(*) FROM calls WHERE call_type = 'llm'"), is(10L));
      assertThat(count(c, "SELECT COUNT(*) FROM batches WHERE status = 'completed'"), is(3L));
      assertThat(count(c, "SELECT COUNT(*) FROM checkpoints"), is(3L));
    }
  }

  @Test
  void openRouterSentimentWithTemplateAndLookupFiles() throws Exception {
    runExample(
        "openrouter_sentiment",
        ChaosLlmFixture.with(
            ChaosConfig.builder().responseMode(ChaosConfig.ResponseMode.ECHO).build()));
    String results = Files.readString(dir.resolve("results.csv"));
    assertThat(results.contains("positive, negative, neutral"), is(true));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(count(c, "SELECT COUNT(*) FROM calls WHERE call_type = 'http'"), is(4L));
    }
  }

  @Test
  void multiQueryAssessment() throws Exception {
    runExample(
        "multi_query_assessment",
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("{\"score\": 3, \"rationale\": \"{{ model }}\"}")
                .build()));
    var rows = LlmTransformsEndToEndTest.jsonl(dir.resolve("assessments.jsonl"));
    assertThat(rows, hasSize(3));
    assertThat(rows.get(0).get("context_clarity_score"), equalTo(3));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(count(c, "SELECT COUNT(*) FROM calls"), is(12L));
    }
  }

  @Test
  void contentSafetyChain() throws Exception {
    runExample(
        "content_safety_chain",
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("neutral")
                .build()));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@results", 2L, "routed@flagged", 1L, "routed@attacks", 1L)));
    }
  }
}
