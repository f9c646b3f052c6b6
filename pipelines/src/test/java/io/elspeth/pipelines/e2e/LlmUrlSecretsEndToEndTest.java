package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.chaosllm.FaultKind;
import io.elspeth.testkit.otlp.OtlpReceiver;
import io.elspeth.testkit.otlp.ReceivedSpan;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials inside a URL never escape: {@code openrouter_llm} with a {@code base_url} carrying a
 * user-info password, {@code api_key} and {@code code} query parameters and a parameter named in
 * {@code landscape.secret_url_params} runs against ChaosLLM (with faults, so error paths run too),
 * telemetry at {@code full} to a live OTLP receiver and the console; then no secret value is in any
 * text column of any Landscape table, any file the run wrote (database, payload store, sinks), the
 * run's export, the CLI's output, the JVM's stdout/stderr (logs, console telemetry) or the spans
 * received. What is recorded instead is the keyed fingerprint, in place.
 */
@Tag("e2e")
class LlmUrlSecretsEndToEndTest {
  private static final String PASSWORD = "Pw0rd-9c1e7a";
  private static final String K = "Kq-4b8f2d";
  private static final String C = "Cd-71e3aa";
  private static final String T = "Tn-5d09bc";
  private static final List<String> SECRETS =
      List.of(PASSWORD, K, C, T, LlmTransformsEndToEndTest.SECRET);

  @TempDir Path dir;

  /** Everything written to System.out and System.err while {@code body} runs, still shown. */
  private static String captured(ThrowingRunnable body) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = System.out;
    PrintStream err = System.err;
    System.setOut(new PrintStream(new Tee(out, bytes), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(err, bytes), true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }

  @Test
  void credentialsInTheBaseUrlAreFingerprintedEverywhere() throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .seed(11)
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("positive")
                .fault(FaultKind.INVALID_JSON, 10)
                .fault(FaultKind.CONNECTION_RESET, 10)
                .fault(FaultKind.EMPTY_BODY, 10)
                .fault(FaultKind.HTML_ERROR_PAGE, 10)
                .build());
    String baseUrl =
        server.httpUrl().toString().replace("://", "://elspeth:" + PASSWORD + "@")
            + "/api/v1?api_key="
            + K
            + "&code="
            + C
            + "&x_tenant="
            + T
            + "&region=eu";
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      rows.append("{\"id\": ").append(i).append(", \"text\": \"note ").append(i).append("\"}\n");
    }
    Path in = dir.resolve("input.jsonl");
    Files.writeString(in, rows.toString());
    Path db = dir.resolve("landscape.db");
    List<CliHarness.Result> results = new ArrayList<>();
    String logs;
    List<ReceivedSpan> spans;
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      String yaml =
          LlmTransformsEndToEndTest.header(dir, in)
              + "transforms:\n  - plugin: openrouter_llm\n    options:\n"
              + "      model: openai/gpt-4o-mini\n"
              + "      base_url: \""
              + baseUrl
              + "\"\n"
              + "      api_key: "
              + LlmTransformsEndToEndTest.SECRET
              + "\n"
              + "      template: \"{{ row.text }}\"\n"
              + "      on_error: errors\n"
              + "sinks:\n"
              + "  out: {plugin: json, options: {path: "
              + dir.resolve("out.jsonl")
              + "}}\n"
              + "  errors: {plugin: json, options: {path: "
              + dir.resolve("errors.jsonl")
              + "}}\n"
              + "default_sink: out\n"
              + "retry: {max_attempts: 2, initial_delay_seconds: 0.01, max_delay_seconds: 0.02}\n"
              + "payload_store: {base_path: "
              + dir.resolve("payloads")
              + "}\n"
              + "landscape: {url: \"sqlite:///"
              + db
              + "\", secret_url_params: [x_tenant]}\n"
              + "telemetry:\n  enabled: true\n  granularity: full\n  exporters:\n"
              + "    - name: otlp\n      options: {endpoint: \""
              + receiver.httpEndpoint()
              + "\", protocol: http/protobuf}\n"
              + "    - name: console\n      options: {format: json, output: stdout}\n";
      Path settings = CliHarness.settings(dir, yaml);
      logs =
          captured(
              () -> {
                results.add(CliHarness.run("run", "-s", settings.toString()));
                results.add(CliHarness.run("run", "-s", settings.toString(), "--execute"));
                results.add(
                    CliHarness.run(
                        "export",
                        "--run",
                        "latest",
                        "--database",
                        "sqlite:///" + db,
                        "--output",
                        dir.resolve("export.jsonl").toString()));
              });
      spans = receiver.spans();
    }
    for (CliHarness.Result r : results) {
      assertThat(r.err(), r.exitCode(), is(0));
    }
    assertThat("telemetry went out", spans.size(), greaterThan(0));
    assertThat("the export was written", Files.size(dir.resolve("export.jsonl")), greaterThan(0L));
    assertThat("the console exporter wrote to stdout", logs, containsString("ExternalCall"));

    String everythingSaid = logs + spans.stream().map(s -> s.name() + s.attributes()).toList();
    for (CliHarness.Result r : results) {
      everythingSaid += r.out() + r.err();
    }
    List<String> columns = textOfEveryColumn(db);
    for (String secret : SECRETS) {
      assertThat("output, logs and telemetry", everythingSaid, not(containsString(secret)));
      for (String column : columns) {
        assertThat(column, not(containsString(secret)));
      }
      assertNotInAnyFile(secret);
    }

    // In their place: the keyed fingerprint, where the secret was, the rest of the URL kept.
    SecretFingerprinter keyed = SecretFingerprinter.fromEnvironment();
    assertThat("the test JVM has a fingerprint key", keyed.hasKey(), is(true));
    String recorded = "elspeth:<fingerprint:" + keyed.fingerprint(PASSWORD) + ">@";
    try (Connection c = CliHarness.landscape(db)) {
      String settings =
          (String)
              CliHarness.query(c, "SELECT settings_json FROM runs").get(0).get("settings_json");
      assertThat(settings, containsString(recorded));
      assertThat(settings, containsString("x_tenant=<fingerprint:" + keyed.fingerprint(T) + ">"));
      assertThat(settings, containsString("&region=eu"));
      assertThat(
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM nodes WHERE config_json LIKE '%code=<"
                  + "fingerprint:"
                  + keyed.fingerprint(C)
                  + ">%'"),
          is(1L));
      assertThat(
          "calls were made, some failed",
          CliHarness.count(c, "SELECT COUNT(*) FROM calls WHERE status = 'error'"),
          greaterThan(0L));
    }
    assertThat(
        "the recorded request URL keeps the path, with the key fingerprinted",
        spans.stream()
            .anyMatch(
                s ->
                    String.valueOf(s.attributes().get("request_payload"))
                        .contains(
                            "/api/v1/chat/completions?api_key=<fingerprint:"
                                + keyed.fingerprint(K))),
        is(true));
  }

  /** The text of every column of every row of every table of the Landscape. */
  private static List<String> textOfEveryColumn(Path db) throws Exception {
    List<String> text = new ArrayList<>();
    try (Connection c = CliHarness.landscape(db)) {
      List<String> tables = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      assertThat(tables.size(), greaterThan(10));
      for (String table : tables) {
        for (Map<String, Object> row : CliHarness.query(c, "SELECT * FROM \"" + table + "\"")) {
          row.forEach((column, value) -> text.add(table + "." + column + " = " + value));
        }
      }
    }
    return text;
  }

  /** No byte of any file under the run's folder but the settings file holds {@code secret}. */
  private void assertNotInAnyFile(String secret) throws Exception {
    byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        if (f.getFileName().toString().equals("settings.yaml")) {
          continue;
        }
        String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        assertThat(
            "secret in " + f,
            content.contains(new String(needle, StandardCharsets.ISO_8859_1)),
            is(false));
      }
    }
  }
}
