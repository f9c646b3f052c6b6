package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.query;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.search.FakeAzureSearch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rag_retrieval} with provider {@code azure_search} through the CLI, against the fake Azure
 * AI Search on loopback HTTPS through the real Azure SDK: the four {@code <prefix>__rag_*} fields
 * on each row, rows without results or without a question rejected to {@code on_error} with
 * ELSPETH's reasons, a failing service retried then rejected, every search one {@code http} call in
 * the Landscape (hashes recomputing from the stored payloads), the run reconciling, and the api key
 * nowhere. {@code provider: chroma} is refused when the settings are validated.
 */
@Tag("e2e")
class RagRetrievalEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static FakeAzureSearch search;

  @TempDir Path dir;

  @BeforeAll
  static void startSearch() {
    ChaosLlmServer llm = ChaosLlmFixture.with(ChaosConfig.builder().build());
    // Served under the certificate the test JVM already trusts (ChaosLlmTrust).
    search = FakeAzureSearch.start(llm.serverTlsContext(), LlmTransformsEndToEndTest.SECRET);
    search
        .put(
            "science-facts",
            "fact-1",
            "Photosynthesis converts light energy into chemical energy",
            Map.of("topic", "biology"))
        .put(
            "science-facts",
            "fact-2",
            "Plants absorb light mostly in the red and blue bands",
            Map.of("topic", "biology"))
        .put(
            "science-facts",
            "fact-3",
            "The speed of light is about 300000 km per second",
            Map.of("topic", "physics"));
  }

  @AfterAll
  static void stopSearch() {
    search.close();
  }

  @BeforeEach
  void reset() {
    search.reset();
  }

  private Path input() throws Exception {
    Path in = dir.resolve("input.jsonl");
    Files.writeString(
        in,
        "{\"id\": 0, \"question\": \"How does photosynthesis use light energy?\"}\n"
            + "{\"id\": 1, \"question\": \"What is the speed of light?\"}\n"
            + "{\"id\": 2, \"question\": \"Which team won football 1966?\"}\n"
            + "{\"id\": 3, \"question\": null}\n");
    return in;
  }

  private String settings(Path in, String extra) {
    return LlmTransformsEndToEndTest.header(dir, in)
        + "transforms:\n  - plugin: rag_retrieval\n    name: retrieve\n    options:\n"
        + "      query_field: question\n"
        + "      output_prefix: sci\n"
        + "      provider: azure_search\n"
        + "      provider_config:\n"
        + "        endpoint: "
        + search.url()
        + "\n"
        + "        index: science-facts\n"
        + "        api_key: "
        + LlmTransformsEndToEndTest.SECRET
        + "\n"
        + "        search_mode: hybrid\n"
        + "      top_k: 2\n"
        + "      on_no_results: quarantine\n"
        + "      context_format: numbered\n"
        + "      on_error: llm_errors\n"
        + extra
        + LlmTransformsEndToEndTest.footer(dir);
  }

  @Test
  void rowsGetTheirContextAndEverySearchIsARecordedCall() throws Exception {
    CliHarness.Result r = LlmTransformsEndToEndTest.run(dir, settings(input(), ""));

    List<Map<String, Object>> out = LlmTransformsEndToEndTest.jsonl(dir.resolve("out.jsonl"));
    assertThat(out, hasSize(2));
    Map<String, Object> first = out.get(0);
    assertThat(first.get("id"), is(0));
    // "photosynthesis", "light", "energy" in fact-1 (15 on 0-50); "light" in fact-2 (5).
    assertThat(
        first.get("sci__rag_context"),
        is(
            "1. Photosynthesis converts light energy into chemical energy\n"
                + "2. Plants absorb light mostly in the red and blue bands"));
    assertThat(((Number) first.get("sci__rag_score")).doubleValue(), closeTo(0.3, 1e-9));
    assertThat(first.get("sci__rag_count"), is(2));
    @SuppressWarnings("unchecked")
    Map<String, Object> sources = JSON.readValue((String) first.get("sci__rag_sources"), Map.class);
    assertThat(sources.get("v"), is(1));
    List<?> items = (List<?>) sources.get("sources");
    assertThat(items, hasSize(2));
    assertThat(((Map<?, ?>) items.get(0)).get("source_id"), is("fact-1"));
    assertThat(
        ((Map<?, ?>) ((Map<?, ?>) items.get(0)).get("metadata")).get("topic"), is("biology"));
    // ELSPETH writes the envelope with Python's json.dumps.
    assertThat(
        (String) first.get("sci__rag_sources"), containsString("{\"v\": 1, \"sources\": [{"));
    assertThat(out.get(1).get("id"), is(1));
    assertThat((String) out.get(1).get("sci__rag_context"), containsString("speed of light"));

    List<Map<String, Object>> rejected =
        LlmTransformsEndToEndTest.jsonl(dir.resolve("errors.jsonl"));
    assertThat(rejected.stream().map(m -> m.get("id")).toList(), containsInAnyOrder(2, 3));

    // Three searches (the null question never reaches the service), each sent by the SDK.
    assertThat(search.searches(), hasSize(3));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          count(c, "SELECT COUNT(*) FROM calls WHERE call_type = 'http' AND status = 'success'"),
          is(3L));
      assertThat(count(c, "SELECT COUNT(*) FROM calls"), is(3L));
      assertThat(
          "every call belongs to a node state of the transform",
          count(
              c,
              "SELECT COUNT(*) FROM calls k JOIN node_states s ON s.state_id = k.state_id"
                  + " JOIN nodes n ON n.node_id = s.node_id AND n.run_id = s.run_id"
                  + " WHERE n.plugin_name = 'rag_retrieval'"),
          is(3L));
      List<String> reasons =
          query(c, "SELECT error_details_json FROM transform_errors").stream()
              .map(m -> (String) m.get("error_details_json"))
              .toList();
      assertThat(reasons, hasSize(2));
      assertThat(
          String.join("\n", reasons),
          allOf(
              containsString("\"reason\":\"no_results\""),
              containsString("\"query\":\"Which team won football 1966?\""),
              containsString("\"reason\":\"invalid_input\""),
              containsString("\"cause\":\"null_value\"")));
      LlmTransformsEndToEndTest.assertCallHashesRecompute(c, dir.resolve("payloads"));
    }
    LlmTransformsEndToEndTest.assertNoSecret(dir, r);
  }

  @Test
  void aFailingServiceIsRetriedThenTheRowIsRejectedWithEveryAttemptRecorded() throws Exception {
    search.failSearches(503);
    Path in = dir.resolve("input.jsonl");
    Files.writeString(in, "{\"id\": 0, \"question\": \"light\"}\n");
    CliHarness.Result r = LlmTransformsEndToEndTest.run(dir, settings(in, ""));
    assertThat(LlmTransformsEndToEndTest.jsonl(dir.resolve("errors.jsonl")), hasSize(1));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      // retry: max_attempts 3 (the footer): three attempts, three calls.
      assertThat(count(c, "SELECT COUNT(*) FROM calls WHERE status = 'error'"), is(3L));
      String reason =
          (String)
              query(c, "SELECT error_details_json FROM transform_errors")
                  .get(0)
                  .get("error_details_json");
      assertThat(
          reason,
          allOf(
              containsString("\"reason\":\"retrieval_failed\""),
              containsString("\"provider\":\"azure_search\""),
              containsString("\"status_code\":503")));
    }
    LlmTransformsEndToEndTest.assertNoSecret(dir, r);
  }

  @Test
  void onNoResultsContinueKeepsTheRowWithEmptyFields() throws Exception {
    Path in = dir.resolve("input.jsonl");
    Files.writeString(in, "{\"id\": 0, \"question\": \"Which team won football 1966?\"}\n");
    LlmTransformsEndToEndTest.run(
        dir, settings(in, "").replace("on_no_results: quarantine", "on_no_results: continue"));
    List<Map<String, Object>> out = LlmTransformsEndToEndTest.jsonl(dir.resolve("out.jsonl"));
    assertThat(out, hasSize(1));
    assertThat(out.get(0).containsKey("sci__rag_context"), is(true));
    assertThat(out.get(0).get("sci__rag_context"), nullValue());
    assertThat(out.get(0).get("sci__rag_score"), nullValue());
    assertThat(out.get(0).get("sci__rag_count"), is(0));
    assertThat(out.get(0).get("sci__rag_sources"), is("{\"v\": 1, \"sources\": []}"));
  }

  @Test
  void elspethsChromaExampleIsRefusedNamingTheFileTheKeyAndWhatWorks() throws Exception {
    String yaml =
        "source:\n  plugin: csv\n  on_success: rag_in\n  options:\n    path: input.csv\n"
            + "    schema:\n      mode: fixed\n      fields: ['id: int', 'question: str']\n"
            + "    on_validation_failure: discard\n"
            + "transforms:\n- name: rag_0\n  plugin: rag_retrieval\n  input: rag_in\n"
            + "  on_success: output\n  on_error: quarantine\n  options:\n"
            + "    query_field: question\n    output_prefix: sci\n    provider: chroma\n"
            + "    provider_config:\n      collection: science-facts\n      mode: persistent\n"
            + "      persist_directory: examples/chroma_rag/chroma_data\n"
            + "      distance_function: cosine\n"
            + "    top_k: 3\n"
            + "sinks:\n  output:\n    plugin: json\n    on_write_failure: discard\n"
            + "    options: {path: out.jsonl, schema: {mode: observed}, format: jsonl}\n"
            + "  quarantine:\n    plugin: json\n    on_write_failure: discard\n"
            + "    options: {path: q.jsonl, schema: {mode: observed}, format: jsonl}\n";
    Path settings = CliHarness.settings(dir, yaml);
    CliHarness.Result r = CliHarness.run("validate", "-s", settings.toString());
    assertThat(r.exitCode(), not(is(0)));
    assertThat(
        r.out() + r.err(),
        allOf(
            containsString("settings.yaml"),
            containsString("provider"),
            containsString("'chroma' is not supported"),
            containsString("provider_config.mode: persistent"),
            containsString("examples/chroma_rag/chroma_data"),
            containsString("provider: azure_search")));
  }

  @Test
  void pluginsListShowsRagRetrievalAndItsOptions() {
    CliHarness.Result r = CliHarness.run("plugins", "list", "-v");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(
        r.out(),
        allOf(
            containsString("rag_retrieval"),
            containsString("query_field"),
            containsString("output_prefix"),
            containsString("provider_config"),
            containsString("on_no_results"),
            containsString("context_separator")));
  }
}
