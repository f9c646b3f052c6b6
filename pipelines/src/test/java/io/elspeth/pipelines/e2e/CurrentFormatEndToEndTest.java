package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.query;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ELSPETH's current settings format (explicit wiring) run through the CLI: each pipeline of {@code
 * src/test/resources/current-format} is run in the current format and in the RC2 format, and both
 * leave the same sink files; what the current format asks for and this project cannot do is refused
 * at validation with the file, key, line and reason.
 */
@Tag("e2e")
class CurrentFormatEndToEndTest {
  @TempDir Path dir;

  /** A resource pipeline written into its own folder beside a copy of the input. */
  private Path pipeline(String name, String folder, Map<String, String> values) throws Exception {
    Path into = Files.createDirectories(dir.resolve(folder));
    Files.writeString(into.resolve("orders.csv"), resource("orders.csv"));
    String yaml = resource(name).replace("@DIR@", into.toString());
    for (Map.Entry<String, String> v : values.entrySet()) {
      yaml = yaml.replace(v.getKey(), v.getValue());
    }
    return CliHarness.settings(into, yaml);
  }

  private static String resource(String name) throws Exception {
    try (InputStream in =
        CurrentFormatEndToEndTest.class.getResourceAsStream("/current-format/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void runs(Path settings) {
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
  }

  /**
   * Runs both forms; asserts each named output is the same file in both, and returns the folders.
   */
  private Path[] bothFormsWriteTheSame(
      String pipeline, Map<String, String> values, String... outputs) throws Exception {
    Path current = pipeline(pipeline + "-current.yaml", pipeline + "-current", values);
    Path rc2 = pipeline(pipeline + "-rc2.yaml", pipeline + "-rc2", values);
    runs(current);
    runs(rc2);
    for (String output : outputs) {
      assertThat(
          output,
          Files.readString(current.resolveSibling(output)),
          equalTo(Files.readString(rc2.resolveSibling(output))));
    }
    return new Path[] {current.getParent(), rc2.getParent()};
  }

  @Test
  void explicitWiringRoutesAsTheRc2ChainDoes() throws Exception {
    Path[] folders =
        bothFormsWriteTheSame(
            "routing", Map.of(), "big.csv", "long_names.csv", "short_names.csv", "blocked.csv");
    Path current = folders[0];
    // Rows went everywhere the wiring says: a sink route, a connection to the next gate, on_error.
    assertThat(Files.readAllLines(current.resolve("big.csv")), hasSize(2));
    assertThat(Files.readAllLines(current.resolve("short_names.csv")), hasSize(2));
    assertThat(Files.readAllLines(current.resolve("long_names.csv")), hasSize(4));
    assertThat(Files.readAllLines(current.resolve("blocked.csv")), hasSize(3));
    assertThat(
        "truncate ran between the filter and the gates",
        Files.readString(current.resolve("long_names.csv")),
        containsString(",a very long \r\n"));
    try (Connection c = CliHarness.landscape(current.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      // The steps keep their names; a gate route naming a connection is an edge labelled with
      // the route, beside the gate's continue edge to its one further step (as ELSPETH's DAG).
      assertThat(
          query(
                  c,
                  "SELECT plugin_name FROM nodes WHERE node_type = 'transform'"
                      + " ORDER BY node_id")
              .stream()
              .map(m -> m.get("plugin_name"))
              .toList(),
          equalTo(List.of("keyword_filter", "truncate")));
      assertThat(
          count(c, "SELECT COUNT(*) FROM nodes WHERE node_id LIKE 'transform_screen_%'"), is(1L));
      assertThat(count(c, "SELECT COUNT(*) FROM edges WHERE label = 'continue'"), is(4L));
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM edges d JOIN nodes n ON n.node_id ="
                  + " d.to_node_id WHERE d.label = 'false' AND n.node_type = 'gate'"),
          is(1L));
      // The run records the settings as written, in the current format.
      String recorded =
          (String) query(c, "SELECT settings_json FROM runs").get(0).get("settings_json");
      assertThat(
          recorded,
          allOf(
              containsString("\"on_success\""),
              containsString("\"input\""),
              not(containsString("default_sink"))));
    }
  }

  @Test
  void forkToCoalesceBranchesByConnectionMergesAsRc2() throws Exception {
    Path current = bothFormsWriteTheSame("fork", Map.of(), "merged.jsonl")[0];
    List<String> lines = Files.readAllLines(current.resolve("merged.jsonl"));
    assertThat(lines, hasSize(7));
    // Branch names (not the connections they read) key the nested merge, as in ELSPETH.
    assertThat(lines, everyItem(allOf(containsString("\"left\":"), containsString("\"right\":"))));
    try (Connection c = CliHarness.landscape(current.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(count(c, "SELECT COUNT(*) FROM edges WHERE default_mode = 'copy'"), is(2L));
    }
  }

  /** The labels of the edges from {@code nodeType} nodes to sinks, sorted. */
  private static List<String> labelsToSinks(Connection c, String nodeType) throws Exception {
    return query(
            c,
            "SELECT d.label FROM edges d JOIN nodes f ON f.node_id = d.from_node_id"
                + " JOIN nodes t ON t.node_id = d.to_node_id WHERE t.node_type = 'sink'"
                + " AND f.node_type = '"
                + nodeType
                + "' AND d.default_mode = 'move' ORDER BY d.label")
        .stream()
        .map(m -> (String) m.get("label"))
        .toList();
  }

  @Test
  void edgesToSinksAreLabelledOnSuccessInTheCurrentFormatAndContinueInRc2() throws Exception {
    // ELSPETH's current DAG builder labels a step's edge to the sink its on_success names
    // "on_success"; RC2's labels every edge of its chain "continue". A gate's route keeps its
    // label.
    Path[] fork = bothFormsWriteTheSame("fork", Map.of(), "merged.jsonl");
    Path[] aggregation = bothFormsWriteTheSame("aggregation", Map.of(), "stats.csv");
    try (Connection current = CliHarness.landscape(fork[0].resolve("landscape.db"));
        Connection rc2 = CliHarness.landscape(fork[1].resolve("landscape.db"))) {
      assertThat(labelsToSinks(current, "coalesce"), equalTo(List.of("on_success")));
      assertThat(labelsToSinks(rc2, "coalesce"), equalTo(List.of("continue")));
      // RC2's last gate also continues to the default sink, as RC2's DAG builder wires it.
      assertThat(labelsToSinks(current, "gate"), equalTo(List.of("false")));
      assertThat(labelsToSinks(rc2, "gate"), equalTo(List.of("continue", "false")));
    }
    try (Connection current = CliHarness.landscape(aggregation[0].resolve("landscape.db"));
        Connection rc2 = CliHarness.landscape(aggregation[1].resolve("landscape.db"))) {
      assertThat(labelsToSinks(current, "aggregation"), equalTo(List.of("on_success")));
      assertThat(labelsToSinks(rc2, "aggregation"), equalTo(List.of("continue")));
      // Every edge between steps keeps "continue" in both formats.
      assertThat(
          count(current, "SELECT COUNT(*) FROM edges WHERE label = 'continue'"),
          equalTo(count(rc2, "SELECT COUNT(*) FROM edges WHERE label = 'continue'") - 1));
      LandscapeInvariants.assertReconciles(current);
    }
  }

  @Test
  void aggregationWithInputOnSuccessAndOnErrorBatchesAsRc2() throws Exception {
    Path current = bothFormsWriteTheSame("aggregation", Map.of(), "stats.csv")[0];
    assertThat(
        Files.readAllLines(current.resolve("stats.csv")),
        equalTo(
            List.of(
                "count,sum,batch_size,mean", "3,380.0,3,126.66666666666667",
                "3,185.0,3,61.666666666666664", "1,60.0,1,60.0")));
    try (Connection c = CliHarness.landscape(current.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      // on_write_failure naming another sink: the failsink edge (as
      // docs/database-sink-constraints.md).
      assertThat(count(c, "SELECT COUNT(*) FROM edges WHERE default_mode = 'divert'"), is(1L));
      assertThat(
          (String)
              query(c, "SELECT config_json FROM nodes WHERE node_type =" + " 'aggregation'")
                  .get(0)
                  .get("config_json"),
          containsString("\"on_error\":\"discard\""));
    }
  }

  @Test
  void unifiedLlmWithAProviderCallsAsTheProvidersPlugin() throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("retail")
                .build());
    Map<String, String> values = Map.of("@LLM@", server.httpUrl() + "/api/v1");
    Path current = pipeline("llm-current.yaml", "llm-current", values);
    Path rc2 = pipeline("llm-rc2.yaml", "llm-rc2", values);
    runs(current);
    runs(rc2);
    List<Map<String, Object>> a =
        LlmTransformsEndToEndTest.jsonl(current.resolveSibling("answered.jsonl"));
    List<Map<String, Object>> b =
        LlmTransformsEndToEndTest.jsonl(rc2.resolveSibling("answered.jsonl"));
    assertThat(a, hasSize(7));
    assertThat(a.stream().map(m -> m.get("label")).toList(), everyItem(equalTo("retail")));
    assertThat(
        a.stream().map(m -> m.get("id")).toList(),
        equalTo(b.stream().map(m -> m.get("id")).toList()));
    assertThat(
        a.stream().map(m -> m.get("label_model")).toList(),
        equalTo(b.stream().map(m -> m.get("label_model")).toList()));
    try (Connection c = CliHarness.landscape(current.resolveSibling("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(count(c, "SELECT COUNT(*) FROM calls WHERE status = 'success'"), is(7L));
    }
    assertThat(
        Files.readString(current.resolveSibling("landscape.db"), StandardCharsets.ISO_8859_1),
        not(containsString("current-format-test-key")));
  }

  /** Validates {@code yaml} (a current-format pipeline with {@code @DIR@}) and returns stderr. */
  private String refused(String yaml) throws Exception {
    Path into = Files.createDirectories(dir.resolve("refused"));
    Files.writeString(into.resolve("orders.csv"), resource("orders.csv"));
    Path settings = CliHarness.settings(into, yaml.replace("@DIR@", into.toString()));
    CliHarness.Result r = CliHarness.run("validate", "-s", settings.toString());
    assertThat(r.out(), r.exitCode(), not(is(0)));
    assertThat(r.err(), containsString(settings.toString()));
    return r.err();
  }

  private static final String SOURCE =
      "source:\n  plugin: csv\n  on_success: loaded\n"
          + "  options:\n    path: \"@DIR@/orders.csv\"\n    schema: {mode: observed}\n"
          + "    on_validation_failure: discard\n";
  private static final String SINKS =
      "sinks:\n"
          + "  a: {plugin: csv, on_write_failure: discard, options: {path: \"@DIR@/a.csv\"}}\n"
          + "  b: {plugin: csv, on_write_failure: discard, options: {path: \"@DIR@/b.csv\"}}\n"
          + "landscape: {url: \"sqlite:///@DIR@/landscape.db\"}\n";

  @Test
  void aTransformWithoutOnErrorIsRefusedBeforeATemplateErrorCanHappen() throws Exception {
    // ELSPETH's current TransformSettings require on_error, so a row whose template fails always
    // has somewhere to go; a file without it does not validate there, nor here.
    String err =
        refused(
            SOURCE
                + "transforms:\n"
                + "  - name: ask\n    plugin: llm\n    input: loaded\n    on_success: a\n"
                + "    options:\n      provider: openrouter\n      model: m\n      api_key: k\n"
                + "      base_url: http://127.0.0.1:9/api/v1\n      template: \"{{ row.nope }}\"\n"
                + "      required_input_fields: []\n      schema: {mode: observed}\n"
                + SINKS);
    assertThat(
        err,
        allOf(
            containsString(
                "transforms[0].on_error: required (a sink name, or 'discard': where the rows this"
                    + " transform cannot process go; ELSPETH's current format requires it), got"
                    + " null"),
            containsString("(line ")));
  }

  @Test
  void stepsNoRowReachesAreRefusedNamingTheStep() throws Exception {
    String err =
        refused(
            SOURCE.replace("on_success: loaded", "on_success: a")
                + "transforms:\n"
                + "  - {name: t1, plugin: passthrough, input: x, on_success: y, on_error: discard,"
                + " options: {schema: {mode: observed}}}\n"
                + "  - {name: t2, plugin: passthrough, input: y, on_success: x, on_error: discard,"
                + " options: {schema: {mode: observed}}}\n"
                + SINKS);
    assertThat(
        err,
        allOf(
            containsString(
                "transforms[0].input: transforms[0] ('t1') is not" + " reached from the source"),
            containsString("a pipeline has no cycles"),
            containsString("(line 9, column")));
  }

  @Test
  void wiringMistakesNameTheKeyAndLine() throws Exception {
    String err =
        refused(
            SOURCE
                + "transforms:\n"
                + "  - {name: t1, plugin: passthrough, input: loaded, on_success: nowhere,"
                + " on_error: discard, options: {schema: {mode: observed}}}\n"
                + SINKS
                + "default_sink: a\n");
    assertThat(
        err,
        allOf(
            containsString("default_sink: not part of the current format"),
            containsString(
                "transforms[0].on_success: 'nowhere' is neither a sink [a, b] nor the"
                    + " input of a transform, gate or aggregation"),
            containsString("(line 9, column")));
  }

  @Test
  void aCoalesceSendingItsRowsToAConnectionIsRefusedAsInElspeth() throws Exception {
    String err =
        refused(
            SOURCE
                + "gates:\n"
                + "  - {name: g1, input: loaded, condition: \"True\", routes: {'true': fork, 'false': b},"
                + " fork_to: [p1, p2]}\n"
                + "coalesce:\n  - {name: j, branches: [p1, p2], on_success: after}\n"
                + "transforms:\n"
                + "  - {name: t1, plugin: passthrough, input: after, on_success: a, on_error: discard,"
                + " options: {schema: {mode: observed}}}\n"
                + SINKS);
    assertThat(
        err,
        containsString(
            "coalesce[0].on_success: expected a sink [a, b], got string"
                + " 'after'; to send the merged rows to a step, leave on_success out and give the step"
                + " input: j"));
  }

  @Test
  void unsupportedFeaturesAreRefusedByName() throws Exception {
    String err =
        refused(
            SOURCE
                + "depends_on:\n  - {name: first, settings: other.yaml}\n"
                + "commencement_gates: []\ncollection_probes: []\n"
                + "transforms:\n  - name: t1\n    plugin: llm\n    input: loaded\n    on_success: mid\n"
                + "    on_error: discard\n    options:\n      provider: azure\n"
                + "      deployment_name: d\n      endpoint: https://127.0.0.1:9\n      api_key: k\n"
                + "      template: x\n      tracing: {provider: langfuse, public_key: p}\n"
                + "  - name: t2\n    plugin: llm\n    input: mid\n    on_success: b\n"
                + "    on_error: discard\n    options:\n      provider: openrouter\n      model: m\n"
                + "      api_key: k\n      template: x\n      queries: {q1: {input_fields: {t: notes},"
                + " output_fields: [{suffix: s, type: float}]}}\n"
                + SINKS.replace(
                    "landscape: {url: \"sqlite:///@DIR@/landscape.db\"}",
                    "landscape: {backend: sqlcipher, url: \"sqlite:///@DIR@/landscape.db\","
                        + " encryption_key_env: KEY}"));
    assertThat(
        err,
        allOf(
            containsString("depends_on: pipeline dependencies"),
            containsString("commencement_gates: commencement gates"),
            containsString("collection_probes: collection probes"),
            containsString(
                "transforms[0].options.tracing: provider 'langfuse' is not available here"),
            containsString(
                "transforms[1].options.queries.q1.output_fields[0].type: required, one of"
                    + " [string, integer, number, boolean, enum], got float"),
            containsString("landscape.backend: sqlcipher")));
  }

  @Test
  void aMissingProviderIsRefused() throws Exception {
    String err =
        refused(
            SOURCE
                + "transforms:\n  - name: t1\n    plugin: llm\n"
                + "    input: loaded\n    on_success: a\n    on_error: discard\n"
                + "    options: {model: m, api_key: k, template: x}\n"
                + SINKS);
    assertThat(
        err,
        containsString(
            "transforms[0].options.provider: required for plugin llm"
                + " (one of [azure, openrouter]), got null"));
  }
}
