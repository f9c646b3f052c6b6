package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile source files through the CLI: source bytes are never altered, nothing is dropped by a
 * parse error, limits are one contract, and every error names where it happened.
 */
@Tag("e2e")
class HostileSourceInputEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private String pipeline(
      String plugin, Path input, String schema, String outPlugin, String outFile) {
    return """
        source:
          plugin: %s
          options:
            path: %s
            schema: %s
            on_validation_failure: quarantine
        sinks:
          out:
            plugin: %s
            options: {path: %s}
          quarantine:
            plugin: json
            options: {path: %s}
        default_sink: out
        landscape:
          url: sqlite:///%s
        """
        .formatted(
            plugin,
            input,
            schema,
            outPlugin,
            dir.resolve(outFile),
            dir.resolve("q.jsonl"),
            dir.resolve("audit.db"));
  }

  private static final String STRICT = "{mode: strict, fields: [\"id: int\", \"name: str\"]}";

  private CliHarness.Result run(String settings) throws Exception {
    return CliHarness.run("run", "-s", CliHarness.settings(dir, settings).toString(), "--execute");
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> quarantined() throws Exception {
    return CliHarness.lines(dir.resolve("q.jsonl")).stream()
        .map(
            l -> {
              try {
                return (Map<String, Object>) JSON.readValue(l, Map.class);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            })
        .toList();
  }

  @Test
  void aCsvFieldWithInvalidUtf8IsQuarantinedWithItsExactBytesAndTheOtherRowsGoOn()
      throws Exception {
    Path input = dir.resolve("in.csv");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write("id,name\n1,a\n2,b".getBytes(StandardCharsets.UTF_8));
    bytes.write(new byte[] {(byte) 0xFF, (byte) 0xFE});
    bytes.write("b\n3,c\n".getBytes(StandardCharsets.UTF_8));
    Files.write(input, bytes.toByteArray());

    CliHarness.Result r = run(pipeline("csv", input, STRICT, "csv", "out.csv"));

    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(CliHarness.lines(dir.resolve("out.csv")), equalTo(List.of("id,name", "1,a", "3,c")));
    List<Map<String, Object>> q = quarantined();
    assertThat(q, hasSize(1));
    assertThat(
        Base64.getDecoder().decode((String) q.get(0).get("_raw_base64")),
        equalTo(new byte[] {'2', ',', 'b', (byte) 0xFF, (byte) 0xFE, 'b'}));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@out", 2L, "quarantined@quarantine", 1L)));
      assertThat(
          CliHarness.query(c, "SELECT error, row_data_json FROM validation_errors").toString(),
          allOf(
              containsString("line 3: bytes not valid UTF-8: 0xFF"),
              containsString("_raw_base64")));
    }
  }

  @Test
  void anUnclosedQuoteMidFileLosesNoRowAndTheLandscapeNamesTheLine() throws Exception {
    Path input = dir.resolve("in.csv");
    // Line 4 of 7 opens a quote that is never closed.
    Files.writeString(input, "id,name\n1,a\n2,b\n3,\"c\n4,d\n5,e\n6,f\n");

    CliHarness.Result r = run(pipeline("csv", input, STRICT, "csv", "out.csv"));

    assertThat(r.err(), r.exitCode(), is(0));
    List<String> out = CliHarness.lines(dir.resolve("out.csv"));
    assertThat(out, equalTo(List.of("id,name", "1,a", "2,b", "4,d", "5,e", "6,f")));
    List<Map<String, Object>> q = quarantined();
    assertThat(q, hasSize(1));
    assertThat(q.get(0).get("_raw"), is("3,\"c"));
    // Every input row's content is in the normal sink or in quarantine, verbatim.
    for (String line : Files.readAllLines(input).subList(1, 7)) {
      assertThat(line, out.contains(line) || line.equals(q.get(0).get("_raw")), is(true));
    }
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@out", 5L, "quarantined@quarantine", 1L)));
      assertThat(
          CliHarness.query(c, "SELECT error FROM validation_errors").toString(),
          allOf(
              containsString("line 4: unclosed quote"),
              containsString("reading resumes at line 5")));
    }
  }

  @Test
  void aFieldOverMaxFieldBytesIsQuarantinedAtTheSourceAndTheRunCompletes() throws Exception {
    Path input = dir.resolve("in.csv");
    // 30 MiB, over the 10 MiB default: it never reaches a sink, the Landscape or the store.
    String big = "x".repeat(30 << 20);
    Files.writeString(input, "id,name\n1,a\n2," + big + "\n3,c\n");

    CliHarness.Result r = run(pipeline("csv", input, STRICT, "json", "out.jsonl"));

    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(CliHarness.lines(dir.resolve("out.jsonl")), hasSize(2));
    Map<String, Object> q = quarantined().get(0);
    assertThat(((Number) q.get("_raw_bytes")).longValue(), is(2L + big.length()));
    assertThat(q.get("_raw_sha256"), is(CanonicalJson.sha256Hex("2," + big)));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@out", 2L, "quarantined@quarantine", 1L)));
      assertThat(
          CliHarness.query(c, "SELECT error FROM validation_errors").toString(),
          allOf(
              containsString("line 3: record is 31457282 bytes, over max_row_bytes"),
              containsString("field 2 is 31457280 bytes, over max_field_bytes (10485760)")));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"csv", "json"})
  void aFieldOfExactlyMaxFieldBytesGoesThroughToTheSink(String sink) throws Exception {
    Path input = dir.resolve("in.csv");
    String big = "y".repeat(10 << 20);
    Files.writeString(input, "id,name\n1," + big + "\n2,b\n");
    Path out = dir.resolve("out." + sink);

    CliHarness.Result r = run(pipeline("csv", input, STRICT, sink, "out." + sink));

    assertThat(r.err(), r.exitCode(), is(0));
    String written = Files.readString(out);
    assertThat(written.contains(big), is(true));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(LandscapeInvariants.outcomes(c), equalTo(Map.of("completed@out", 2L)));
    }
  }

  @Test
  void aTruncatedJsonFileIsAOneLineErrorNamingTheFileLineAndColumn() throws Exception {
    Path input = dir.resolve("in.json");
    Files.writeString(input, "[\n  {\"id\": 1, \"name\": \"a\"},\n  {\"id\": 2, \"na");
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    CliHarness.Result r;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      r = run(pipeline("json", input, STRICT, "json", "out.jsonl"));
    } finally {
      System.setErr(stderr);
    }

    assertThat(r.exitCode(), is(1));
    List<String> reasons = r.err().lines().filter(l -> l.contains("reason:")).toList();
    assertThat(r.err(), reasons, hasSize(1));
    assertThat(
        reasons.get(0),
        allOf(
            containsString(input.toString()),
            containsString("malformed JSON at line 3, column"),
            containsString("end-of-input")));
    String logged = captured.toString(StandardCharsets.UTF_8);
    assertThat(logged, containsString("run failed run_id="));
    assertThat(logged, not(containsString("\tat ")));
    assertThat(logged, not(containsString("Caused by")));
  }

  @Test
  void anEmptyCsvIsAnErrorNamingTheFile() throws Exception {
    Path input = dir.resolve("empty.csv");
    Files.writeString(input, "");

    CliHarness.Result r = run(pipeline("csv", input, STRICT, "csv", "out.csv"));

    assertThat(r.exitCode(), is(1));
    assertThat(r.err(), allOf(containsString(input.toString()), containsString("no header row")));
  }

  @Test
  void anEmptyCsvIsAnErrorUnderAFreeSchemaToo() throws Exception {
    Path input = dir.resolve("empty.csv");
    Files.writeString(input, "");

    CliHarness.Result r =
        run(pipeline("csv", input, "{mode: free, fields: [\"id: int\"]}", "csv", "out.csv"));

    assertThat(r.exitCode(), is(1));
    assertThat(r.err(), containsString("empty.csv"));
  }

  @Test
  void aHeaderOnlyCsvIsACompletedRunWithNoRows() throws Exception {
    Path input = dir.resolve("header.csv");
    Files.writeString(input, "id,name\n");

    CliHarness.Result r = run(pipeline("csv", input, STRICT, "csv", "out.csv"));

    assertThat(r.err(), r.exitCode(), is(0));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM rows"), is(0L));
    }
  }

  @Test
  void brokenElementsOfAJsonArrayAreQuarantinedVerbatimAndTheOtherElementsGoOn() throws Exception {
    Path input = dir.resolve("in.json");
    Files.writeString(
        input,
        "[\n  {\"id\": 1, \"name\": \"a\"},\n  garbage,\n"
            + "  {\"id\": 3, \"name\": \"c\",, \"x\": 1},\n  {\"id\": 4, \"name\": \"d\"}\n]\n");

    CliHarness.Result r = run(pipeline("json", input, STRICT, "json", "out.jsonl"));

    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(CliHarness.lines(dir.resolve("out.jsonl")), hasSize(2));
    List<Map<String, Object>> q = quarantined();
    assertThat(
        q.stream().map(m -> m.get("_raw")).toList(),
        equalTo(List.of("garbage", "{\"id\": 3, \"name\": \"c\",, \"x\": 1}")));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(Map.of("completed@out", 2L, "quarantined@quarantine", 2L)));
      assertThat(
          CliHarness.query(c, "SELECT error FROM validation_errors").toString(),
          allOf(
              containsString("item 1 (line 3)"),
              containsString("not valid JSON at line 3"),
              containsString("item 2 (line 4)")));
    }
  }

  @Test
  void aUtf16CsvWithALoneSurrogateQuarantinesThatRowWithItsExactBytes() throws Exception {
    Path input = dir.resolve("in.csv");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write("id,name\n1,a\n2,b".getBytes(StandardCharsets.UTF_16));
    bytes.write(new byte[] {(byte) 0xDC, 0});
    bytes.write("\n3,c\n".getBytes(StandardCharsets.UTF_16BE));
    Files.write(input, bytes.toByteArray());

    CliHarness.Result r =
        run(
            pipeline("csv", input, STRICT, "csv", "out.csv")
                .replace(
                    "on_validation_failure: quarantine",
                    "on_validation_failure: quarantine\n    encoding: utf-16"));

    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(CliHarness.lines(dir.resolve("out.csv")), equalTo(List.of("id,name", "1,a", "3,c")));
    List<Map<String, Object>> q = quarantined();
    assertThat(q, hasSize(1));
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write("2,b".getBytes(StandardCharsets.UTF_16BE));
    expected.write(new byte[] {(byte) 0xDC, 0});
    assertThat(
        Base64.getDecoder().decode((String) q.get(0).get("_raw_base64")),
        equalTo(expected.toByteArray()));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          CliHarness.query(c, "SELECT error FROM validation_errors").toString(),
          containsString("bytes not valid UTF-16: 0xDC00 at byte"));
    }
  }
}
