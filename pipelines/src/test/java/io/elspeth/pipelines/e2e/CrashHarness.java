package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.pipelines.cli.ElspethCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code elspeth} command as a process of its own (the test JVM's classpath) and
 * kills it with SIGKILL at a named {@link CrashPoint}, or lets it finish; then checks what an
 * auditor would: every source id in exactly one sink, the Landscape's artifacts hashing the files
 * as they are, and the final run reconciled.
 */
final class CrashHarness {
  /** How long a process may take to reach its crash point or finish. */
  static final long TIMEOUT_SECONDS = 240;

  private CrashHarness() {}

  /** What the process did: killed at the point, or exited with a code. */
  record Outcome(boolean killed, int exitCode, String output) {}

  /**
   * The kill points a crash test runs: {@code bounded} (a few points that cover each commit and
   * publication stage) in the usual test run, and {@code all} when the long crash set is asked for
   * with {@code -Delspeth.crash.full=true} or {@code ELSPETH_CRASH_FULL=1} (each point is a killed
   * process and a resume, about half a minute; the whole set would add minutes to CI).
   */
  static java.util.stream.Stream<String> killPoints(List<String> all, List<String> bounded) {
    if (!all.containsAll(bounded)) {
      throw new IllegalArgumentException("bounded kill points " + bounded + " not all in " + all);
    }
    boolean full =
        Boolean.getBoolean("elspeth.crash.full") || "1".equals(System.getenv("ELSPETH_CRASH_FULL"));
    return (full ? all : bounded).stream();
  }

  /**
   * Runs {@code elspeth args...}; with {@code crashAt}, waits until the process reaches that point
   * and kills it with SIGKILL (Process.destroyForcibly sends SIGKILL on Unix).
   */
  static Outcome elspeth(Path dir, String crashAt, String... args) throws Exception {
    Path signal = dir.resolve("crash-signal-" + System.nanoTime());
    Path log = dir.resolve("process-" + System.nanoTime() + ".log");
    Process p = start(crashAt, signal, log, args);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline) {
      if (crashAt != null
          && Files.exists(signal)
          && Files.readString(signal).contains(crashAt.split("@")[0])) {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        return new Outcome(true, -9, Files.readString(log));
      }
      if (p.waitFor(100, TimeUnit.MILLISECONDS)) {
        return new Outcome(false, p.exitValue(), Files.readString(log));
      }
    }
    p.destroyForcibly();
    throw new AssertionError(
        "elspeth "
            + String.join(" ", args)
            + " neither reached "
            + crashAt
            + " nor ended in "
            + TIMEOUT_SECONDS
            + " s:\n"
            + Files.readString(log));
  }

  /**
   * Starts {@code elspeth args...} as a process on the test JVM's classpath, its output in {@code
   * log}; with {@code crashAt}, it writes {@code signal} and pauses at that point.
   */
  static Process start(String crashAt, Path signal, Path log, String... args) throws IOException {
    return start(crashAt, signal, null, log, args);
  }

  /**
   * As {@link #start(String, Path, Path, String...)}; with {@code release}, the process pauses at
   * the point only until that file exists, then goes on.
   */
  static Process start(String crashAt, Path signal, Path release, Path log, String... args)
      throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                ElspethCli.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("ELSPETH_ALLOW_RAW_SECRETS", "true");
    if (crashAt != null) {
      pb.environment().put(CrashPoint.AT_ENV, crashAt);
      pb.environment().put(CrashPoint.SIGNAL_ENV, signal.toString());
      if (release != null) {
        pb.environment().put(CrashPoint.RELEASE_ENV, release.toString());
      }
    }
    return pb.start();
  }

  /**
   * The crash tests' pipeline: {@code rows} CSV rows (id, customer, amount) → passthrough → a gate
   * sending amounts above 1000 to {@code out/high.jsonl}, the rest to {@code out/normal.csv}; the
   * Landscape at {@code landscapeUrl}. Returns the settings file.
   */
  static Path gatePipeline(Path dir, int rows, String landscapeUrl) throws IOException {
    return gatePipeline(
        dir,
        rows,
        landscapeUrl,
        "normal: {plugin: csv, options: {path: " + dir.resolve("out/normal.csv") + "}}",
        "high: {plugin: json, options: {path: " + dir.resolve("out/high.jsonl") + "}}");
  }

  /** The same pipeline with other sinks: the YAML of the {@code normal} and {@code high} sinks. */
  static Path gatePipeline(
      Path dir, int rows, String landscapeUrl, String normalSink, String highSink)
      throws IOException {
    Path input = dir.resolve("in.csv");
    StringBuilder csv = new StringBuilder("id,customer,amount\n");
    for (int i = 0; i < rows; i++) {
      csv.append(i).append(",c").append(i % 97).append(',').append((i * 37) % 2000).append(".5\n");
    }
    Files.writeString(input, csv);
    return CliHarness.settings(
        dir,
        """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "customer: str", "amount: float"]}
            on_validation_failure: discard
        transforms:
          - plugin: passthrough
        gates:
          - name: big
            condition: "row['amount'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          %s
          %s
        default_sink: normal
        landscape: {url: "%s"}
        """
            .formatted(input, normalSink, highSink, landscapeUrl));
  }

  /**
   * What must hold after the {@link #gatePipeline}'s resume chain ends: each id in exactly one
   * sink, the artifacts hashing the files, one terminal outcome per source row, the newest run
   * completed, every publication settled and no staged file or manifest left.
   */
  static void assertGatePipelineExactlyOnce(Path dir, int rows, Connection c) throws Exception {
    assertExactlyOnce(
        idsInSinks(dir.resolve("out/normal.csv"), dir.resolve("out/high.jsonl")), rows);
    assertArtifactsMatchFiles(c, dir.resolve("out/normal.csv"), dir.resolve("out/high.jsonl"));
    assertOneTerminalOutcomePerRow(c);
    assertThat(CliHarness.count(c, "SELECT COUNT(DISTINCT row_index) FROM rows"), is((long) rows));
    List<Map<String, Object>> last =
        CliHarness.query(c, "SELECT status FROM runs ORDER BY started_at DESC");
    assertThat(last.get(0).get("status"), equalTo("completed"));
    assertStoredAggregatesAreCurrent(c);
    assertThat(
        "no manifest is left once every publication is settled",
        CliHarness.count(
            c, "SELECT COUNT(*) FROM elspeth_sink_publications WHERE settled_ms IS NULL"),
        is(0L));
    try (var files = Files.list(dir.resolve("out"))) {
      assertThat(
          "only the sink files are left",
          files.map(p -> p.getFileName().toString()).sorted().toList(),
          equalTo(List.of("high.jsonl", "normal.csv")));
    }
  }

  /**
   * Every completed run of the chain recorded its aggregates when it ended, and every stored
   * document of the chain (a failed run's included, which a resume's repair may have changed)
   * equals the aggregates computed from the run's records now.
   */
  static void assertStoredAggregatesAreCurrent(Connection c) throws Exception {
    for (Map<String, Object> run : CliHarness.query(c, "SELECT run_id, status FROM runs")) {
      String runId = (String) run.get("run_id");
      java.util.Optional<io.elspeth.console.RunAggregates> stored =
          io.elspeth.console.RunAggregates.stored(c, runId);
      if (run.get("status").equals("completed")) {
        assertThat("run " + runId + " recorded its aggregates", stored.isPresent(), is(true));
      }
      if (stored.isPresent()) {
        assertThat(
            "run " + runId,
            stored.get().toJson(),
            equalTo(
                io.elspeth.console.RunAggregates.compute(
                        c, runId, io.elspeth.audit.reconcile.RunReconciliation.of(c, runId), null)
                    .toJson()));
      }
    }
  }

  /** Source ids found in the CSV sink (column {@code id}) and the JSONL sink, with their counts. */
  static Map<Long, Integer> idsInSinks(Path csv, Path jsonl) throws IOException {
    Map<Long, Integer> ids = new HashMap<>();
    if (Files.exists(csv)) {
      List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        if (!line.isEmpty()) {
          ids.merge(Long.parseLong(line.substring(0, line.indexOf(','))), 1, Integer::sum);
        }
      }
    }
    if (Files.exists(jsonl)) {
      ObjectMapper mapper = new ObjectMapper();
      for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          JsonNode n = mapper.readTree(line);
          ids.merge(n.get("id").asLong(), 1, Integer::sum);
        }
      }
    }
    return ids;
  }

  /** Asserts that each of ids 0..n-1 is in exactly one sink, and nothing else is. */
  static void assertExactlyOnce(Map<Long, Integer> ids, int n) {
    List<String> wrong = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      int count = ids.getOrDefault(i, 0);
      if (count != 1) {
        wrong.add(i + " x" + count);
      }
    }
    assertThat(
        "ids not exactly once (first 20): " + wrong.subList(0, Math.min(20, wrong.size())),
        wrong.size(),
        is(0));
    assertThat(ids.size(), is(n));
  }

  /** Asserts that the newest artifact recorded for each file has the file's SHA-256 and size. */
  static void assertArtifactsMatchFiles(Connection c, Path... files) throws Exception {
    for (Path f : files) {
      List<Map<String, Object>> rows =
          CliHarness.query(
              c,
              "SELECT content_hash, size_bytes"
                  + " FROM artifacts WHERE path_or_uri = '"
                  + f.toAbsolutePath()
                  + "' ORDER BY created_at DESC");
      assertThat("no artifact recorded for " + f, rows.isEmpty(), is(false));
      assertThat("artifact hash of " + f, rows.get(0).get("content_hash"), equalTo(sha256(f)));
      assertThat(
          "artifact size of " + f,
          ((Number) rows.get(0).get("size_bytes")).longValue(),
          equalTo(Files.size(f)));
    }
  }

  static String sha256(Path f) throws Exception {
    return CanonicalJson.sha256Hex(Files.readAllBytes(f));
  }

  /** Asserts that every source row index has exactly one terminal outcome over all runs. */
  static void assertOneTerminalOutcomePerRow(Connection c) throws Exception {
    assertThat(
        "every source row has exactly one terminal outcome over the chain",
        CliHarness.count(
            c,
            "SELECT COUNT(*) FROM (SELECT r.row_index, COUNT(o.token_id) n"
                + " FROM rows r JOIN tokens t ON t.row_id = r.row_id LEFT JOIN token_outcomes o"
                + " ON o.token_id = t.token_id AND o.is_terminal = 1 GROUP BY r.row_index) x"
                + " WHERE n <> 1"),
        is(0L));
  }

  /** The source row indexes with a terminal outcome recorded in run {@code runId}. */
  static Set<Long> rowsWithTerminalOutcome(Connection c, String runId) throws Exception {
    return rowIndexes(
        c,
        "SELECT DISTINCT r.row_index FROM token_outcomes o JOIN tokens t"
            + " ON t.token_id = o.token_id JOIN rows r ON r.row_id = t.row_id WHERE o.is_terminal = 1"
            + " AND o.run_id = '"
            + runId
            + "'");
  }

  /** The source row indexes for which run {@code runId} recorded an external call. */
  static Set<Long> rowsCalled(Connection c, String runId) throws Exception {
    return rowIndexes(
        c,
        "SELECT DISTINCT r.row_index FROM calls k JOIN node_states s"
            + " ON s.state_id = k.state_id JOIN tokens t ON t.token_id = s.token_id JOIN rows r"
            + " ON r.row_id = t.row_id WHERE s.run_id = '"
            + runId
            + "'");
  }

  /** How many external calls of node states run {@code runId} recorded. */
  static long llmCalls(Connection c, String runId) throws Exception {
    return CliHarness.count(
        c,
        "SELECT COUNT(*) FROM calls k JOIN node_states s"
            + " ON s.state_id = k.state_id WHERE s.run_id = '"
            + runId
            + "'");
  }

  private static Set<Long> rowIndexes(Connection c, String sql) throws Exception {
    Set<Long> out = new TreeSet<>();
    for (Map<String, Object> row : CliHarness.query(c, sql)) {
      out.add(((Number) row.get("row_index")).longValue());
    }
    return out;
  }

  /** The newest run that no other run resumed and that did not complete: the one to resume. */
  static String runToResume(Connection c) throws Exception {
    List<Map<String, Object>> rows =
        CliHarness.query(
            c,
            "SELECT run_id FROM runs r WHERE"
                + " status <> 'completed' AND NOT EXISTS (SELECT 1 FROM elspeth_resumptions x"
                + " JOIN runs b ON b.run_id = x.resumed_by_run_id WHERE x.resumed_run_id = r.run_id)"
                + " ORDER BY started_at DESC");
    assertThat("a run to resume", rows.isEmpty(), is(false));
    return rows.get(0).get("run_id").toString();
  }

  static Connection sqlite(Path db) throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + db);
  }
}
