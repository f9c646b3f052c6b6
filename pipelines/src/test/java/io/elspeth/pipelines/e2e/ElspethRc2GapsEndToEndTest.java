package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.query;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ELSPETH RC2 settings that used to fail here, run through the CLI against ChaosLLM with the real
 * clients: multi-query templates over ELSPETH's synthetic row, file options beside the settings
 * file, OpenRouter's endpoint from the environment, top-level name and description, and template
 * errors routed as RC2 routes them.
 */
@Tag("e2e")
class ElspethRc2GapsEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = LlmTransformsEndToEndTest.SECRET;

  @TempDir Path dir;

  private static ChaosLlmServer jsonAnswers() {
    return ChaosLlmFixture.with(
        ChaosConfig.builder()
            .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
            .template("{\"score\": 4, \"rationale\": \"fine\"}")
            .build());
  }

  private Path input() throws Exception {
    Path in = dir.resolve("input.jsonl");
    Files.writeString(
        in,
        "{\"id\": \"r1\", \"text\": \"hello\", \"note\": \"n1\"}\n"
            + "{\"id\": \"r2\", \"text\": \"world\", \"note\": \"n2\"}\n");
    return in;
  }

  /** The settings in their own folder, so that only settings-relative file options resolve. */
  private Path settings(String yaml) throws Exception {
    Path folder = Files.createDirectories(dir.resolve("config"));
    return CliHarness.settings(folder, yaml);
  }

  private String multiQuery(String endpoint, String templateOption, String extra) {
    return "name: rc2_multi_query\n"
        + "description: ELSPETH's multi-query template context\n"
        + LlmTransformsEndToEndTest.header(dir, dir.resolve("input.jsonl"))
        + "transforms:\n  - plugin: azure_multi_query_llm\n    options:\n"
        + "      deployment_name: gpt-4o\n"
        + "      endpoint: "
        + endpoint
        + "\n"
        + "      api_key: "
        + KEY
        + "\n"
        + templateOption
        + "      required_input_fields: []\n"
        + "      case_studies:\n"
        + "        - {name: cs1, input_fields: [text, note]}\n"
        + "      criteria:\n"
        + "        - {name: diagnosis, code: DIAG, description: Assess D, subcriteria: [a, b]}\n"
        + "        - {name: risk, code: RISK, description: Assess R}\n"
        + "      output_mapping:\n"
        + "        score: {suffix: score, type: integer}\n"
        + "        rationale: {suffix: rationale, type: string}\n"
        + extra
        + LlmTransformsEndToEndTest.footer(dir);
  }

  /** The user message of every recorded LLM request, read back from the payload store. */
  private List<String> prompts(Connection c) throws Exception {
    List<String> prompts = new ArrayList<>();
    for (Map<String, Object> call : query(c, "SELECT request_ref FROM calls")) {
      Map<?, ?> request =
          JSON.readValue(
              LlmTransformsEndToEndTest.payload(
                      dir.resolve("payloads"), (String) call.get("request_ref"))
                  .toFile(),
              Map.class);
      List<?> messages = (List<?>) request.get("messages");
      prompts.add((String) ((Map<?, ?>) messages.get(messages.size() - 1)).get("content"));
    }
    return prompts;
  }

  @Test
  void multiQueryTemplatesSeeElspethsSyntheticRowAndFilesResolveBesideTheSettings()
      throws Exception {
    ChaosLlmServer server = jsonAnswers();
    input();
    Path config = Files.createDirectories(dir.resolve("config"));
    Files.writeString(
        config.resolve("prompt.j2"),
        "{{ row.case_study.name }}"
            + "|{{ row.criterion.description }}|{{ row.input_1 }}|{{ row.input_2 }}"
            + "|{% for sub in row.criterion.subcriteria %}[{{ sub }}]{% endfor %}"
            + "|{{ row.row.id }}|{{ row.text }}|{{ input_1 }}|{{ criterion.name }}|{{ lookup.scale }}");
    Files.writeString(config.resolve("lookup.yaml"), "scale: 1-5\n");
    Files.writeString(config.resolve("system.txt"), "You assess.");
    Path settings =
        settings(
            multiQuery(
                server.httpsUrl().toString(),
                "      template_file: prompt.j2\n      lookup_file: lookup.yaml\n"
                    + "      system_prompt_file: system.txt\n",
                "      on_error: llm_errors\n"));
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));

    List<Map<String, Object>> out = LlmTransformsEndToEndTest.jsonl(dir.resolve("out.jsonl"));
    assertThat(out, hasSize(2));
    Map<String, Object> first = out.get(0);
    assertThat(first.get("cs1_diagnosis_score"), equalTo(4));
    assertThat(first.get("cs1_risk_rationale"), equalTo("fine"));
    assertThat(first.get("cs1_diagnosis_model"), equalTo("gpt-4o"));
    assertThat(
        "the source as written", first.get("cs1_diagnosis_template_source"), equalTo("prompt.j2"));
    assertThat(first.get("cs1_diagnosis_lookup_source"), equalTo("lookup.yaml"));
    assertThat(first.get("cs1_diagnosis_system_prompt_source"), equalTo("system.txt"));

    // ELSPETH's variables hash: the canonical hash of the synthetic row it renders.
    Map<String, Object> criterion = new LinkedHashMap<>();
    criterion.put("name", "diagnosis");
    criterion.put("code", "DIAG");
    criterion.put("description", "Assess D");
    criterion.put("subcriteria", List.of("a", "b"));
    Map<String, Object> caseStudy = new LinkedHashMap<>();
    caseStudy.put("name", "cs1");
    caseStudy.put("context", null);
    caseStudy.put("description", null);
    caseStudy.put("input_fields", List.of("text", "note"));
    Map<String, Object> synthetic = new LinkedHashMap<>();
    synthetic.put("input_1", "hello");
    synthetic.put("input_2", "n1");
    synthetic.put("criterion", criterion);
    synthetic.put("case_study", caseStudy);
    synthetic.put("row", Map.of("id", "r1", "text", "hello", "note", "n1"));
    assertThat(
        first.get("cs1_diagnosis_variables_hash"), equalTo(CanonicalJson.stableHash(synthetic)));

    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          prompts(c),
          containsInAnyOrder(
              "cs1|Assess D|hello|n1|[a][b]|r1|hello|hello|diagnosis|1-5",
              "cs1|Assess R|hello|n1||r1|hello|hello|risk|1-5",
              "cs1|Assess D|world|n2|[a][b]|r2|world|world|diagnosis|1-5",
              "cs1|Assess R|world|n2||r2|world|world|risk|1-5"));
      String recorded =
          (String) query(c, "SELECT settings_json FROM runs").get(0).get("settings_json");
      assertThat(
          "name and description are recorded with the run's settings",
          recorded,
          containsString("\"description\":\"ELSPETH's multi-query template context\""));
      assertThat(recorded, containsString("\"name\":\"rc2_multi_query\""));
    }
  }

  @Test
  void aTemplateErrorIsARowErrorRoutedByOnErrorAsInRc2() throws Exception {
    ChaosLlmServer server = jsonAnswers();
    input();
    Path settings =
        settings(
            multiQuery(
                server.httpsUrl().toString(),
                "      template: \"{{ row.no_such_field }}\"\n",
                "      on_error: llm_errors\n"));
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    List<Map<String, Object>> errors = LlmTransformsEndToEndTest.jsonl(dir.resolve("errors.jsonl"));
    assertThat(errors, hasSize(2));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          "no call is made for a prompt that cannot be rendered",
          count(c, "SELECT COUNT(*) FROM calls"),
          is(0L));
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM transform_errors WHERE error_details_json LIKE"
                  + " '%template_rendering_failed%' AND error_details_json LIKE '%cs1_diagnosis%'"),
          is(2L));
    }
  }

  @Test
  void rowsFailedWithoutOnErrorAreNotPassedOverInSilence() throws Exception {
    ChaosLlmServer server = jsonAnswers();
    input();
    Path settings =
        settings(
            multiQuery(
                server.httpsUrl().toString(), "      template: \"{{ row.no_such_field }}\"\n", ""));
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(r.out(), containsString("failed: 2"));
    assertThat(r.err(), containsString("warning: 2 row(s) failed"));
  }

  @Test
  void openRouterTakesItsBaseUrlFromTheEnvironmentWhenTheSettingsGiveNone() throws Exception {
    ChaosLlmServer server = jsonAnswers();
    input();
    String yaml =
        LlmTransformsEndToEndTest.header(dir, dir.resolve("input.jsonl"))
            + "transforms:\n  - plugin: openrouter_multi_query_llm\n    options:\n"
            + "      model: openai/gpt-4o-mini\n"
            + "      api_key: ${OPENROUTER_API_KEY}\n"
            + "      template: \"{{ row.input_1 }}\"\n"
            + "      case_studies: [{name: cs1, input_fields: [text]}]\n"
            + "      criteria: [{name: tone}]\n"
            + "      output_mapping: {score: {suffix: score, type: integer}}\n"
            + "      on_error: llm_errors\n"
            + LlmTransformsEndToEndTest.footer(dir);
    Path settings = settings(yaml);
    Files.writeString(
        settings.getParent().resolve(".env"),
        "OPENROUTER_BASE_URL=" + server.httpUrl() + "/api/v1\nOPENROUTER_API_KEY=" + KEY + "\n");
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    List<Map<String, Object>> out = LlmTransformsEndToEndTest.jsonl(dir.resolve("out.jsonl"));
    assertThat(out.stream().map(m -> m.get("cs1_tone_score")).toList(), everyItem(equalTo(4)));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      assertThat(
          count(
              c, "SELECT COUNT(*) FROM calls WHERE call_type = 'http'" + " AND status = 'success'"),
          is(2L));
      assertThat(
          "the endpoint used is recorded with the run's settings",
          (String) query(c, "SELECT settings_json FROM runs").get(0).get("settings_json"),
          containsString(server.httpUrl() + "/api/v1"));
    }
    Files.delete(settings.getParent().resolve(".env"));
    LlmTransformsEndToEndTest.assertNoSecret(dir, r);
  }

  @Test
  void requiredInputFieldsAreCheckedAgainstWhatTheStepBeforeGuarantees() throws Exception {
    Path in = dir.resolve("in.csv");
    Files.writeString(in, "id,amount,category\n1,5,a\n2,7,a\n");
    String common =
        "source:\n  plugin: csv\n  options:\n    path: "
            + in
            + "\n"
            + "    schema: {mode: strict, fields: [\"id: int\", \"amount: int\", \"category: str\"]}\n"
            + "    on_validation_failure: discard\n"
            + "sinks:\n  out: {plugin: csv, options: {path: "
            + dir.resolve("out.csv")
            + "}}\n"
            + "default_sink: out\n"
            + "landscape: {url: \"sqlite:///"
            + dir.resolve("landscape.db")
            + "\"}\n";
    String accepted =
        common
            + "aggregations:\n  - name: totals\n    plugin: batch_stats\n"
            + "    trigger: {count: 2}\n    output_mode: transform\n"
            + "    options: {value_field: amount, required_input_fields: [amount, category]}\n";
    CliHarness.Result ok = CliHarness.run("run", "-s", settings(accepted).toString(), "--execute");
    assertThat(ok.err(), ok.exitCode(), is(0));
    assertThat(Files.readAllLines(dir.resolve("out.csv")).get(1), equalTo("2,12.0,2,6.0"));

    String refused =
        common
            + "transforms:\n  - plugin: passthrough\n"
            + "    options: {schema: {fields: dynamic}}\n"
            + "aggregations:\n  - name: totals\n    plugin: batch_stats\n"
            + "    trigger: {count: 2}\n    output_mode: transform\n"
            + "    options: {value_field: amount, required_input_fields: [amount]}\n";
    CliHarness.Result bad = CliHarness.run("validate", "-s", settings(refused).toString());
    assertThat(bad.exitCode(), is(1));
    assertThat(
        bad.err(),
        containsString(
            "aggregations[0].options.required_input_fields:"
                + " batch_stats requires [amount] but transforms[0] (passthrough) guarantees no fields"
                + " (dynamic schema); missing [amount]"));
    assertThat(bad.err(), not(containsString("Exception")));
  }
}
