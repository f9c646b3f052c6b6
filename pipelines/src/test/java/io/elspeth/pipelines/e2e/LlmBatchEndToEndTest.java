package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.query;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import io.elspeth.pipelines.cli.ElspethCli;
import io.elspeth.testkit.chaosllm.ChaosBatchApi;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.otlp.OtlpReceiver;
import io.elspeth.testkit.otlp.ReceivedSpan;
import io.elspeth.testkit.postgres.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch LLM aggregations end to end through the CLI against ChaosLLM's Batch API: every row
 * back with its result and its own {@code llm} call, every file and batch request an {@code http}
 * call (provider {@code azure}), the Landscape's calls and the telemetry the OTLP receiver got
 * matching kind for kind; every failure of a job or of a row routed to {@code on_error} with its
 * reason; a run killed while its job runs resumed without submitting the job again.
 */
@Tag("e2e")
class LlmBatchEndToEndTest {
  private static final String SECRET = LlmTransformsEndToEndTest.SECRET;

  @TempDir Path dir;

  private Path input(Path base, int rows) throws Exception {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < rows; i++) {
      b.append("{\"id\": ")
          .append(i)
          .append(", \"text\": \"review number ")
          .append(i)
          .append("\"}\n");
    }
    Path in = base.resolve("input.jsonl");
    Files.writeString(in, b.toString());
    return in;
  }

  private String settings(ChaosLlmServer server, int rows, int count, String extra)
      throws Exception {
    return settings(dir, server, rows, count, extra);
  }

  private String settings(Path base, ChaosLlmServer server, int rows, int count, String extra)
      throws Exception {
    return LlmTransformsEndToEndTest.header(base, input(base, rows))
        + "aggregations:\n"
        + "  - name: classify\n"
        + "    plugin: azure_batch_llm\n"
        + "    trigger: {count: "
        + count
        + "}\n"
        + "    output_mode: transform\n"
        + "    on_error: llm_errors\n"
        + "    options:\n"
        + "      deployment_name: gpt-4o-batch\n"
        + "      endpoint: "
        + server.httpsUrl()
        + "\n"
        + "      api_key: "
        + SECRET
        + "\n"
        + "      template: \"Classify: {{ row.text }}\"\n"
        + "      system_prompt: You classify reviews.\n"
        + "      poll_interval_seconds: 0.05\n"
        + "      max_wait_hours: 1\n"
        + "      schema: {fields: dynamic}\n"
        + extra
        + LlmTransformsEndToEndTest.footer(base);
  }

  private static ChaosLlmServer server(ChaosBatchApi.Behaviour behaviour) {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder().responseMode(ChaosConfig.ResponseMode.ECHO).build());
    server.batchApi().configure(behaviour);
    return server;
  }

  private Connection landscape() throws Exception {
    return CliHarness.landscape(dir.resolve("landscape.db"));
  }

  @Test
  void thousandRowsInTwoJobsComeBackWithTheirCallsInTheLandscapeAndInTelemetry() throws Exception {
    // Each job runs 2 s, far longer than a submission takes to reach its first poll even on a
    // loaded machine (0.3 s was not: under load every job was already done at its first poll).
    ChaosLlmServer server = server(ChaosBatchApi.Behaviour.immediate().withCompletionSeconds(2.0));
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      String telemetry =
          "telemetry:\n  enabled: true\n  granularity: full\n  exporters:\n"
              + "    - name: otlp\n      options: {endpoint: \""
              + receiver.httpEndpoint()
              + "\", protocol: http/protobuf, batch_size: 1000}\n";
      CliHarness.Result r =
          LlmTransformsEndToEndTest.run(dir, settings(server, 1000, 500, "") + telemetry);
      assertThat(server.batchApi().calls(ChaosBatchApi.FILES_CREATE), is(2L));
      assertThat(server.batchApi().calls(ChaosBatchApi.BATCHES_CREATE), is(2L));
      assertThat(server.batchApi().calls(ChaosBatchApi.FILES_CONTENT), is(2L));
      long polls = server.batchApi().calls(ChaosBatchApi.BATCHES_RETRIEVE);
      // Each job was seen running at least once before it was seen done.
      assertThat(polls, greaterThan(2L));

      List<Map<String, Object>> out = LlmTransformsEndToEndTest.jsonl(dir.resolve("out.jsonl"));
      assertThat(out, hasSize(1000));
      Set<Object> ids = new HashSet<>();
      for (Map<String, Object> row : out) {
        ids.add(row.get("id"));
        // Echo mode: the answer is the prompt, so each row got its own result back.
        assertThat(row.get("llm_response"), is("Classify: review number " + row.get("id")));
        assertThat(row.get("llm_response_usage"), notNullValue());
        assertThat(row.get("llm_response_model"), is("gpt-4o-batch"));
      }
      assertThat(ids, hasSize(1000));
      try (Connection c = landscape()) {
        LandscapeInvariants.assertReconciles(c);
      }
      assertThat(
          Files.exists(dir.resolve("errors.jsonl"))
              ? LlmTransformsEndToEndTest.jsonl(dir.resolve("errors.jsonl"))
              : List.of(),
          hasSize(0));

      Map<String, Long> landscapeKinds = new TreeMap<>();
      String runId;
      try (Connection c = landscape()) {
        runId = (String) query(c, "SELECT run_id FROM runs").get(0).get("run_id");
        assertThat(count(c, "SELECT COUNT(*) FROM calls WHERE call_type = 'llm'"), is(1000L));
        // files.create + batches.create + polls + files.content, each an http call.
        assertThat(
            count(c, "SELECT COUNT(*) FROM calls WHERE call_type = 'http'"), is(2 + 2 + polls + 2));
        assertThat(count(c, "SELECT COUNT(*) FROM checkpoints"), is(2L));
        assertThat(count(c, "SELECT COUNT(*) FROM node_states WHERE status = 'pending'"), is(2L));
        assertThat(count(c, "SELECT COUNT(*) FROM batches WHERE status = 'completed'"), is(2L));
        assertThat(
            count(
                c, "SELECT COUNT(*) FROM token_outcomes WHERE outcome =" + " 'consumed_in_batch'"),
            is(1000L));
        assertThat(
            count(c, "SELECT COUNT(*) FROM token_outcomes WHERE outcome = 'completed'"), is(1000L));
        for (Map<String, Object> k :
            query(
                c,
                "SELECT call_type, status, COUNT(*) AS n FROM calls"
                    + " GROUP BY call_type, status")) {
          landscapeKinds.put(
              k.get("call_type") + "/" + k.get("status"), ((Number) k.get("n")).longValue());
        }
        // Every row's llm call is under a state of its aggregation, and the state's token is
        // the batch's first member; the telemetry below names the row's own token.
        assertThat(
            count(
                c,
                "SELECT COUNT(*) FROM calls k WHERE NOT EXISTS (SELECT 1 FROM"
                    + " node_states s WHERE s.state_id = k.state_id)"),
            is(0L));
        LlmTransformsEndToEndTest.assertCallHashesRecompute(c, dir.resolve("payloads"));
      }
      List<ReceivedSpan> calls =
          receiver.spans().stream().filter(s -> s.name().equals("ExternalCallCompleted")).toList();
      Map<String, Long> telemetryKinds =
          calls.stream()
              .collect(
                  Collectors.groupingBy(
                      s -> s.attr("call_type") + "/" + s.attr("status"),
                      TreeMap::new,
                      Collectors.counting()));
      assertThat(telemetryKinds, equalTo(landscapeKinds));
      assertThat(
          calls.stream().map(s -> s.attr("provider")).collect(Collectors.toSet()),
          equalTo(Set.of("azure")));
      assertThat(calls.stream().map(s -> s.attr("state_id")).toList(), everyItem(notNullValue()));
      assertThat(calls.stream().map(s -> s.attr("run_id")).toList(), everyItem(is(runId)));
      // Each llm call carries the token of its own row: 1000 distinct tokens.
      Set<String> llmTokens =
          calls.stream()
              .filter(s -> s.attr("call_type").equals("llm"))
              .map(s -> s.attr("token_id"))
              .collect(Collectors.toSet());
      try (Connection c = landscape()) {
        Set<Object> buffered =
            new HashSet<>(
                query(c, "SELECT token_id FROM batch_members").stream()
                    .map(m -> m.get("token_id"))
                    .toList());
        assertThat(llmTokens, hasSize(1000));
        assertThat(buffered.containsAll(llmTokens), is(true));
      }
      assertThat(
          calls.stream()
              .filter(s -> s.attr("call_type").equals("llm"))
              .map(s -> s.attributes().get("gen_ai.usage.input_tokens"))
              .toList(),
          everyItem(notNullValue()));
      LlmTransformsEndToEndTest.assertNoSecret(dir, r);
    }
  }

  @Test
  void rowErrorsMissingDuplicateAndMalformedLinesEachRouteTheirRowWithTheReason() throws Exception {
    // Of 20 lines: 5, 10, 15, 20 in the error file; 7, 14 missing; 3, 6, 9, 12, 18 twice (not
    // 15: it is an error); 11 (and 22) malformed. Positions follow source order.
    ChaosLlmServer server = server(ChaosBatchApi.Behaviour.immediate().withRowFaults(5, 7, 3, 11));
    LlmTransformsEndToEndTest.run(dir, settings(server, 20, 20, ""));
    Map<Object, String> reasons = new HashMap<>();
    try (Connection c = landscape()) {
      for (Map<String, Object> e :
          query(
              c,
              "SELECT row_data_json, error_details_json," + " destination FROM transform_errors")) {
        assertThat(e.get("destination"), is("llm_errors"));
        Map<?, ?> row =
            (Map<?, ?>)
                io.elspeth.audit.canonical.CanonicalJson.parse((String) e.get("row_data_json"));
        Map<?, ?> reason =
            (Map<?, ?>)
                io.elspeth.audit.canonical.CanonicalJson.parse(
                    (String) e.get("error_details_json"));
        reasons.put(((Number) row.get("id")).intValue(), (String) reason.get("reason"));
      }
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM token_outcomes WHERE outcome = 'routed'"
                  + " AND sink_name = 'llm_errors'"),
          is((long) reasons.size()));
    }
    Map<Object, String> expected = new HashMap<>();
    for (int position = 1; position <= 20; position++) {
      int id = position - 1;
      if (position % 5 == 0) {
        expected.put(id, "batch_row_failed");
      } else if (position % 7 == 0) {
        expected.put(id, "missing_from_batch_output");
      } else if (position % 11 == 0) {
        expected.put(id, "malformed_output_line");
      } else if (position % 3 == 0) {
        expected.put(id, "duplicate_custom_id");
      }
    }
    assertThat(reasons, equalTo(expected));
    List<Map<String, Object>> errors = LlmTransformsEndToEndTest.jsonl(dir.resolve("errors.jsonl"));
    assertThat(errors, hasSize(expected.size()));
    assertThat(
        LlmTransformsEndToEndTest.jsonl(dir.resolve("out.jsonl")), hasSize(20 - expected.size()));
  }

  @Test
  void aPostgresLandscapeTakesTheCheckpointsAndTheRowResults() throws Exception {
    ChaosLlmServer server = server(ChaosBatchApi.Behaviour.immediate().withRowFaults(4, 0, 0, 0));
    String schema = "e2e_batch_" + java.util.UUID.randomUUID().toString().replace("-", "");
    String admin = TestPostgres.get().jdbcUrl();
    try (Connection c = java.sql.DriverManager.getConnection(admin);
        java.sql.Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    try {
      String yaml =
          settings(server, 12, 6, "")
              .replace(
                  "landscape: {url: \"sqlite:///" + dir.resolve("landscape.db") + "\"}",
                  "landscape: {url: \""
                      + TestPostgres.get().url()
                      + "?currentSchema="
                      + schema
                      + "\"}");
      LlmTransformsEndToEndTest.run(dir, yaml);
      try (Connection c =
          java.sql.DriverManager.getConnection(admin + "&currentSchema=" + schema)) {
        LandscapeInvariants.assertReconciles(c);
        assertThat(count(c, "SELECT COUNT(*) FROM checkpoints"), is(2L));
        assertThat(
            query(c, "SELECT sequence_number FROM checkpoints ORDER BY sequence_number").stream()
                .map(m -> ((Number) m.get("sequence_number")).longValue())
                .toList(),
            equalTo(List.of(1L, 2L)));
        assertThat(count(c, "SELECT COUNT(*) FROM calls WHERE call_type = 'llm'"), is(12L));
        assertThat(count(c, "SELECT COUNT(*) FROM transform_errors"), is(2L));
      }
      assertThat(LlmTransformsEndToEndTest.jsonl(dir.resolve("out.jsonl")), hasSize(10));
    } finally {
      try (Connection c = java.sql.DriverManager.getConnection(admin);
          java.sql.Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  @Test
  void failedExpiredAndCancelledJobsRouteEveryRowWithTheJobsStatus() throws Exception {
    for (String status : List.of("failed", "expired", "cancelled")) {
      Path sub = Files.createDirectories(dir.resolve(status));
      ChaosLlmServer server =
          server(
              ChaosBatchApi.Behaviour.immediate()
                  .withCompletionSeconds(0.1)
                  .withTerminalStatus(status));
      String yaml = settings(sub, server, 6, 6, "");
      LlmTransformsEndToEndTest.run(sub, yaml);
      List<Map<String, Object>> errors =
          LlmTransformsEndToEndTest.jsonl(sub.resolve("errors.jsonl"));
      assertThat(status, errors, hasSize(6));
      try (Connection c = CliHarness.landscape(sub.resolve("landscape.db"))) {
        List<Map<String, Object>> reasons =
            query(c, "SELECT error_details_json FROM" + " transform_errors");
        assertThat(reasons, hasSize(6));
        for (Map<String, Object> e : reasons) {
          assertThat(
              (String) e.get("error_details_json"),
              containsString("\"reason\":\"batch_" + status + "\""));
        }
        assertThat(count(c, "SELECT COUNT(*) FROM batches WHERE status = 'failed'"), is(1L));
        assertThat(count(c, "SELECT COUNT(*) FROM calls WHERE call_type = 'llm'"), is(0L));
      }
      assertThat(server.batchApi().calls(ChaosBatchApi.FILES_CONTENT), is(0L));
    }
  }

  @Test
  void aJobOutlivingMaxWaitHoursRoutesItsRows() throws Exception {
    ChaosLlmServer server = server(ChaosBatchApi.Behaviour.immediate().withCompletionSeconds(3600));
    // 0.0003 hours: about one second of polling.
    LlmTransformsEndToEndTest.run(
        dir, settings(server, 3, 3, "").replace("max_wait_hours: 1", "max_wait_hours: 0.0003"));
    try (Connection c = landscape()) {
      List<Map<String, Object>> reasons =
          query(c, "SELECT error_details_json FROM" + " transform_errors");
      assertThat(reasons, hasSize(3));
      assertThat(
          reasons.stream().map(m -> (String) m.get("error_details_json")).toList(),
          everyItem(containsString("\"reason\":\"batch_timeout\"")));
      LandscapeInvariants.assertReconciles(c);
    }
    assertThat(LlmTransformsEndToEndTest.jsonl(dir.resolve("errors.jsonl")), hasSize(3));
  }

  @Test
  void aRefusedSubmissionRoutesEveryRowWithTheCallsRecorded() throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.ECHO)
                .apiKeys("another-key")
                .build());
    server.batchApi().configure(ChaosBatchApi.Behaviour.immediate());
    LlmTransformsEndToEndTest.run(dir, settings(server, 4, 4, ""));
    try (Connection c = landscape()) {
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM transform_errors WHERE error_details_json LIKE"
                  + " '%batch_submit_failed%'"),
          is(4L));
      // The refused upload is one http call (a 401 is not retried), with its error.
      assertThat(
          query(c, "SELECT call_type, status, error_json FROM calls").stream()
              .map(m -> m.get("call_type") + " " + m.get("status") + " " + m.get("error_json"))
              .toList(),
          org.hamcrest.Matchers.contains(containsString("http error")));
      assertThat(count(c, "SELECT COUNT(*) FROM checkpoints"), is(0L));
      LandscapeInvariants.assertReconciles(c);
    }
    assertThat(server.batchApi().calls(ChaosBatchApi.BATCHES_CREATE), is(0L));
  }

  @Test
  void aRunKilledWhileItsJobRunsIsResumedWithoutSubmittingTheJobAgain() throws Exception {
    ChaosLlmServer server = server(ChaosBatchApi.Behaviour.immediate().withCompletionSeconds(3600));
    Path settings = CliHarness.settings(dir, settings(server, 50, 50, ""));
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djavax.net.ssl.trustStore=" + server.trustStorePath(),
                "-Djavax.net.ssl.trustStorePassword=" + server.trustStorePassword(),
                "-Djavax.net.ssl.trustStoreType=PKCS12",
                "-cp",
                System.getProperty("java.class.path"),
                ElspethCli.class.getName(),
                "run",
                "-s",
                settings.toString(),
                "--execute"));
    Process child =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectOutput(dir.resolve("child.out").toFile())
            .redirectError(dir.resolve("child.err").toFile())
            .start();
    try {
      // Wait for the submission to be in the Landscape, then for a poll after it.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!checkpointed() || server.batchApi().calls(ChaosBatchApi.BATCHES_RETRIEVE) < 1) {
        assertThat(Files.readString(dir.resolve("child.err")), child.isAlive(), is(true));
        assertThat("no checkpoint in time", System.nanoTime() < deadline, is(true));
        Thread.sleep(100);
      }
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(server.batchApi().calls(ChaosBatchApi.BATCHES_CREATE), is(1L));
    String killed;
    try (Connection c = landscape()) {
      killed = (String) query(c, "SELECT run_id FROM runs").get(0).get("run_id");
      assertThat(query(c, "SELECT status FROM runs").get(0).get("status"), is("running"));
    }
    // The job finishes while nobody waits; the resumed run polls it and collects its output.
    server.batchApi().configure(ChaosBatchApi.Behaviour.immediate());
    finishJobs(server);
    CliHarness.Result resumed =
        CliHarness.run("resume", killed, "-s", settings.toString(), "--execute");
    assertThat(resumed.err(), resumed.exitCode(), is(0));
    assertThat(server.batchApi().calls(ChaosBatchApi.BATCHES_CREATE), is(1L));
    assertThat(server.batchApi().calls(ChaosBatchApi.FILES_CREATE), is(1L));
    assertThat(server.batchApi().calls(ChaosBatchApi.FILES_CONTENT), is(1L));
    List<Map<String, Object>> out = LlmTransformsEndToEndTest.jsonl(dir.resolve("out.jsonl"));
    assertThat(out, hasSize(50));
    try (Connection c = landscape()) {
      String resumedRun =
          (String)
              query(c, "SELECT run_id FROM runs WHERE run_id <> '" + killed + "'")
                  .get(0)
                  .get("run_id");
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM calls k JOIN node_states s ON s.state_id ="
                  + " k.state_id WHERE s.run_id = '"
                  + resumedRun
                  + "' AND k.call_type = 'llm'"),
          is(50L));
      assertThat(
          query(c, "SELECT status FROM runs WHERE run_id = '" + resumedRun + "'")
              .get(0)
              .get("status"),
          is("completed"));
    }
  }

  @Test
  void openRouterBatchSendsEachRowAsItsOwnAuditedRequest() throws Exception {
    ChaosLlmServer server = server(ChaosBatchApi.Behaviour.immediate());
    String yaml =
        LlmTransformsEndToEndTest.header(dir, input(dir, 30))
            + "aggregations:\n"
            + "  - name: classify\n"
            + "    plugin: openrouter_batch_llm\n"
            + "    trigger: {count: 10}\n"
            + "    output_mode: transform\n"
            + "    options:\n"
            + "      base_url: "
            + server.httpUrl()
            + "/api/v1\n"
            + "      api_key: "
            + SECRET
            + "\n"
            + "      model: openai/gpt-4o-mini\n"
            + "      template: \"Classify: {{ row.text }}\"\n"
            + "      pool_size: 4\n"
            + "      on_error: llm_errors\n"
            + LlmTransformsEndToEndTest.footer(dir);
    CliHarness.Result r = LlmTransformsEndToEndTest.run(dir, yaml);
    List<Map<String, Object>> out = LlmTransformsEndToEndTest.jsonl(dir.resolve("out.jsonl"));
    assertThat(out, hasSize(30));
    for (Map<String, Object> row : out) {
      assertThat(row.get("llm_response"), is("Classify: review number " + row.get("id")));
    }
    assertThat(server.stats().endpoint("/api/v1/chat/completions"), is(30L));
    try (Connection c = landscape()) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(count(c, "SELECT COUNT(*) FROM calls"), is(30L));
      // Every request is recorded under its batch's flush state.
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM calls k JOIN node_states s ON s.state_id ="
                  + " k.state_id JOIN nodes n ON n.node_id = s.node_id AND n.run_id = s.run_id WHERE"
                  + " n.plugin_name = 'openrouter_batch_llm'"),
          is(30L));
      assertThat(count(c, "SELECT COUNT(*) FROM batches WHERE status = 'completed'"), is(3L));
    }
    LlmTransformsEndToEndTest.assertNoSecret(dir, r);
  }

  @Test
  void settingsOutsideTheSpecAreRefusedWithTheirKeys() throws Exception {
    ChaosLlmServer server = server(ChaosBatchApi.Behaviour.immediate());
    String yaml =
        settings(server, 2, 2, "")
            .replace("max_wait_hours: 1", "max_wait_hours: 25")
            .replace("poll_interval_seconds: 0.05", "poll_interval_seconds: 0");
    Path file = CliHarness.settings(dir, yaml);
    CliHarness.Result r = CliHarness.run("validate", "-s", file.toString());
    assertThat(r.exitCode(), is(not(0)));
    assertThat(
        r.out() + r.err(),
        containsString("max_wait_hours: expected more than 0 and at" + " most 24, got 25"));
    assertThat(r.out() + r.err(), containsString("poll_interval_seconds: expected more than 0"));
    assertThat(server.batchApi().calls(ChaosBatchApi.FILES_CREATE), is(0L));
  }

  private boolean checkpointed() {
    if (!Files.exists(dir.resolve("landscape.db"))) {
      return false;
    }
    try (Connection c = landscape()) {
      return count(c, "SELECT COUNT(*) FROM checkpoints") > 0;
    } catch (Exception e) {
      return false; // the schema is not there yet
    }
  }

  /** Lets the running jobs end now: their time to completion is over. */
  private static void finishJobs(ChaosLlmServer server) {
    server.batchApi().finishAll();
  }
}
