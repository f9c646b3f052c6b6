package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.pipelines.launch.RunLauncher;
import io.elspeth.pipelines.launch.RunSummary;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsLoader;
import io.elspeth.pipelines.settings.SettingsValidator;
import io.elspeth.testkit.postgres.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The FlinkRunner on an embedded mini-cluster against the DirectRunner, both with a PostgreSQL
 * Landscape (one schema per run): the same pipelines give the same sink contents and the same
 * lineage shape; and a Flink task killed mid-run is restarted by Flink with the Landscape left
 * consistent.
 */
@Tag("e2e")
class FlinkRunnerEndToEndTest {
  private static final String SERVER = TestPostgres.get().jdbcUrl();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final List<String> schemas = new ArrayList<>();

  @AfterEach
  void dropSchemas() throws Exception {
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      for (String schema : schemas) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private String newSchema() throws Exception {
    String schema = "flink_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    schemas.add(schema);
    return schema;
  }

  private static Connection landscape(String schema) throws Exception {
    return DriverManager.getConnection(SERVER + "&currentSchema=" + schema);
  }

  private static String url(String schema) {
    return TestPostgres.get().url() + "?currentSchema=" + schema;
  }

  /** The example in its own folder with a PostgreSQL Landscape in its own schema. */
  private Path example(String name, String runDir, String schema) throws IOException {
    Path d = Files.createDirectories(dir.resolve(runDir));
    Path settings = CliHarness.example(name, d);
    String yaml =
        Files.readString(settings)
            .replaceAll("url: sqlite:///\\S+", "url: \"" + url(schema) + "\"");
    Files.writeString(settings, yaml);
    return settings;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "threshold_gate",
        "validation_quarantine",
        "fork_coalesce",
        "json_explode",
        "boolean_routing",
        "keyword_filter"
      })
  void anExampleGivesTheSameOutputAndLineageOnFlinkLocalAsOnDirect(String example)
      throws Exception {
    String directSchema = newSchema();
    String flinkSchema = newSchema();
    Path direct = example(example, "direct", directSchema);
    Path flink = example(example, "flink", flinkSchema);

    CliHarness.Result d = CliHarness.run("run", "-s", direct.toString(), "--execute");
    assertThat(d.err(), d.exitCode(), is(0));
    CliHarness.Result f =
        CliHarness.run(
            "run",
            "-s",
            flink.toString(),
            "--execute",
            "--runner",
            "flink-local",
            "--parallelism",
            "2");
    assertThat(f.err(), f.exitCode(), is(0));

    assertThat(
        "sink contents",
        sinkContents(flink.getParent()),
        equalTo(sinkContents(direct.getParent())));
    try (Connection dc = landscape(directSchema);
        Connection fc = landscape(flinkSchema)) {
      LandscapeInvariants.assertReconciles(fc);
      assertThat("lineage shape", lineageShape(fc), equalTo(lineageShape(dc)));
    }
  }

  @Test
  void aSinkOfMoreThanTenThousandRowsIsWrittenInFlinksBatchMode() throws Exception {
    // CoGroupByKey iterates a group of more than 10,000 elements twice: the sink's gather must
    // work on Flink's batch GroupReduce, whose iterator is once-only unless re-iteration is on.
    int rows = 10_500;
    Path input = idAmountCsv(dir.resolve("large.csv"), rows);
    String schema = newSchema();
    Path settings =
        CliHarness.settings(
            dir,
            """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "amount: int"]}
            on_validation_failure: discard
        sinks:
          out: {plugin: csv, options: {path: %s}}
        landscape: {url: "%s"}
        payload_store: {base_path: %s}
        runner: {profile: flink-local, parallelism: 2}
        """
                .formatted(input, dir.resolve("out.csv"), url(schema), dir.resolve("payloads")));
    PipelineSettings s =
        new SettingsValidator(PluginRegistry.builtIn())
            .validate(settings, SettingsLoader.load(settings, null, Map.of()));

    RunSummary summary = new RunLauncher().run(s);

    assertThat(summary.failure(), summary.succeeded(), is(true));
    List<String> out = CliHarness.lines(dir.resolve("out.csv"));
    assertThat("every row in the sink, once", new HashSet<>(out).size() - 1, is(rows));
    try (Connection c = landscape(schema)) {
      assertThat(
          CliHarness.count(
              c, "SELECT COUNT(*) FROM token_outcomes WHERE outcome =" + " 'completed'"),
          is((long) rows));
    }
  }

  @Test
  void aFileOfSeveralPartsIsReadByBothFlinkTasksAndGivesWhatTheDirectRunnersWholeReadGives()
      throws Exception {
    // 45,000 records, 12 parts of the first pass (4,000 records each); every 7th row has a
    // quoted newline, every 997th an id that is not an int, every 3,331st is ragged: part
    // boundaries fall among them. The DirectRunner reads the file in one part. Parts go to the
    // tasks at random: all 12 on one of the two would happen once in 2,048 runs.
    int rows = 45_000;
    StringBuilder csv = new StringBuilder("id,note\n");
    for (int i = 0; i < rows; i++) {
      if (i % 3331 == 3330) {
        csv.append(i).append('\n');
        continue;
      }
      csv.append(i % 997 == 996 ? "x" + i : String.valueOf(i))
          .append(',')
          .append(i % 7 == 0 ? "\"a\nb " + i + "\"" : "n" + i)
          .append('\n');
    }
    Path input = dir.resolve("parts.csv");
    Files.writeString(input, csv);
    String directSchema = newSchema();
    String flinkSchema = newSchema();
    Path direct = partsRun(dir.resolve("direct"), input, directSchema);
    Path flink = partsRun(dir.resolve("flink"), input, flinkSchema);

    CliHarness.Result d = CliHarness.run("run", "-s", direct.toString(), "--execute");
    assertThat(d.err(), d.exitCode(), is(0));
    // A JVM of its own, logging which task reads which part.
    CliHarness.Result f =
        CliHarness.runInNewJvm(
            flink.getParent(),
            Map.of(
                "JAVA_TOOL_OPTIONS",
                "-Dorg.slf4j.simpleLogger.log.io.elspeth.connectors.source.SourceReadFn=debug"),
            "run",
            "-s",
            flink.toString(),
            "--execute",
            "--runner",
            "flink-local",
            "--parallelism",
            "2");
    assertThat(f.err(), f.exitCode(), is(0));

    List<String> partLines = f.err().lines().filter(l -> l.contains("reading part ")).toList();
    assertThat(f.err(), partLines.size(), is(12));
    Set<String> tasks = new HashSet<>();
    for (String line : partLines) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\((\\d+)/2\\)").matcher(line);
      assertThat(line, m.find(), is(true));
      tasks.add(m.group(1));
    }
    assertThat("both tasks read parts: " + partLines, tasks, equalTo(Set.of("1", "2")));

    for (String sink : List.of("out.csv", "bad.csv")) {
      assertThat(
          sink + " byte for byte",
          Files.readAllBytes(flink.getParent().resolve(sink)),
          equalTo(Files.readAllBytes(direct.getParent().resolve(sink))));
    }
    try (Connection dc = landscape(directSchema);
        Connection fc = landscape(flinkSchema)) {
      LandscapeInvariants.assertReconciles(fc);
      String outcomes =
          "SELECT outcome || '@' || COALESCE(sink_name, '-') AS k, COUNT(*) AS n"
              + " FROM token_outcomes GROUP BY 1";
      assertThat(outcomeCounts(fc, outcomes), equalTo(outcomeCounts(dc, outcomes)));
      String rowsSql =
          "SELECT row_index || ' ' || source_data_hash AS k, COUNT(*) AS n FROM rows GROUP BY 1";
      assertThat(outcomeCounts(fc, rowsSql), equalTo(outcomeCounts(dc, rowsSql)));
      String loads =
          "SELECT status || ' ' || output_data_hash AS k, COUNT(*) AS n FROM operations"
              + " WHERE operation_type = 'source_load' GROUP BY 1";
      Map<String, Long> load = outcomeCounts(fc, loads);
      assertThat(load, equalTo(outcomeCounts(dc, loads)));
      assertThat(load.values(), org.hamcrest.Matchers.contains(1L));
      assertThat(CliHarness.count(fc, "SELECT COUNT(*) FROM rows"), is((long) rows));
    }
  }

  /** Settings reading {@code input} to a sink and its bad rows to another, in {@code runDir}. */
  private Path partsRun(Path runDir, Path input, String schema) throws IOException {
    Files.createDirectories(runDir);
    return CliHarness.settings(
        runDir,
        """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "note: str"]}
            on_validation_failure: bad
        sinks:
          out: {plugin: csv, options: {path: %s}}
          bad: {plugin: csv, options: {path: %s}}
        default_sink: out
        landscape: {url: "%s"}
        payload_store: {base_path: %s}
        """
            .formatted(
                input,
                runDir.resolve("out.csv"),
                runDir.resolve("bad.csv"),
                url(schema),
                runDir.resolve("payloads")));
  }

  private static Map<String, Long> outcomeCounts(Connection c, String sql) throws Exception {
    Map<String, Long> counts = new TreeMap<>();
    put(counts, c, sql);
    return counts;
  }

  @Test
  void aKilledFlinkTaskIsRestartedFromItsCheckpointAndTheLandscapeStaysConsistent()
      throws Exception {
    int rows = 3000;
    Path input = idAmountCsv(dir.resolve("input.csv"), rows);
    Path marker = dir.resolve("failed-once");
    String schema = newSchema();
    // Streaming mode (checkpoints): records flow to the commit while the job runs, and it commits
    // every 20 records, so the first attempt's visits before the failing step commit before it
    // fails. (In Flink's batch mode the audit of a task reaches the commit only once the task
    // has finished, so an attempt that fails commits nothing.)
    Path settings =
        CliHarness.settings(
            dir,
            """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "amount: int"]}
            on_validation_failure: discard
        transforms:
          - plugin: field_mapper
            options: {mapping: {amount: value}}
          - plugin: test_fail_once
            options: {marker: %s, on_row: %d}
        gates:
          - name: big
            condition: "row['value'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: %s}}
          high: {plugin: csv, options: {path: %s}}
        default_sink: normal
        landscape: {url: "%s", commit_batch_size: 20}
        payload_store: {base_path: %s}
        runner: {profile: flink-local, parallelism: 2, restart_attempts: 2, restart_delay_ms: 200,
                 checkpointing_interval_ms: 300}
        """
                .formatted(
                    input,
                    marker,
                    rows * 3 / 4,
                    dir.resolve("normal.csv"),
                    dir.resolve("high.csv"),
                    url(schema),
                    dir.resolve("payloads")));
    PipelineSettings s =
        new SettingsValidator(PluginRegistry.builtIn().withTransform(new FailOnceInTaskPlugin()))
            .validate(settings, SettingsLoader.load(settings, null, Map.of()));

    RunSummary summary = new RunLauncher().run(s);

    assertThat(summary.failure(), summary.succeeded(), is(true));
    assertThat("the failure was injected", Files.exists(marker), is(true));
    List<String> normal = CliHarness.lines(dir.resolve("normal.csv"));
    List<String> high = CliHarness.lines(dir.resolve("high.csv"));
    assertThat("every row reached its sink once", normal.size() - 1 + high.size() - 1, is(rows));
    assertThat(new HashSet<>(normal).size() + new HashSet<>(high).size() - 2, is(rows));
    try (Connection c = landscape(schema)) {
      assertThat(
          "one run, completed",
          CliHarness.count(c, "SELECT COUNT(*) FROM runs WHERE status = 'completed'"),
          is(1L));
      assertThat(
          "each row recorded once",
          CliHarness.count(c, "SELECT COUNT(*) FROM rows"),
          is((long) rows));
      assertThat(
          "each row has exactly one token with a terminal outcome",
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM rows r WHERE (SELECT COUNT(*) FROM tokens t JOIN token_outcomes o"
                  + " ON o.token_id = t.token_id AND o.is_terminal = 1 WHERE t.row_id = r.row_id)"
                  + " <> 1"),
          is(0L));
      assertThat(
          "no token has two terminal outcomes",
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM"
                  + " (SELECT token_id FROM token_outcomes WHERE is_terminal = 1 GROUP BY token_id"
                  + " HAVING COUNT(*) > 1) x"),
          is(0L));
      // The surviving lineage of every output row is whole: its token went through the source,
      // both transforms, the gate and its sink, each visit completed.
      assertThat(
          "every finished token's lineage is whole",
          CliHarness.count(
              c,
              "SELECT COUNT(*)"
                  + " FROM token_outcomes o WHERE o.is_terminal = 1 AND (SELECT COUNT(DISTINCT s.node_id)"
                  + " FROM node_states s WHERE s.token_id = o.token_id AND s.status = 'completed') <> 5"),
          is(0L));
      // Flink restarts the failed region: from the source (new tokens: the abandoned attempt's
      // source tokens stay, without outcomes) or from a persisted shuffle (the same tokens: the
      // abandoned visits stay as earlier attempts of the same token and node).
      long abandonedTokens =
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM tokens t WHERE NOT EXISTS"
                  + " (SELECT 1 FROM token_outcomes o WHERE o.token_id = t.token_id)");
      long retriedVisits =
          CliHarness.count(c, "SELECT COUNT(*) FROM node_states WHERE attempt > 0");
      System.err.println(
          "retry test: abandoned source tokens="
              + abandonedTokens
              + " retried visits="
              + retriedVisits);
      long orphanVisits =
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM node_states s WHERE NOT"
                  + " EXISTS (SELECT 1 FROM tokens t WHERE t.token_id = s.token_id)");
      assertThat(
          "the first attempt committed records before the failure",
          abandonedTokens + retriedVisits + orphanVisits,
          greaterThan(0L));
      assertThat(
          "each abandoned source token is of a row that finished through another",
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM tokens t WHERE NOT EXISTS (SELECT 1 FROM"
                  + " token_outcomes o WHERE o.token_id = t.token_id) AND NOT EXISTS (SELECT 1 FROM"
                  + " tokens u JOIN token_outcomes o ON o.token_id = u.token_id AND o.is_terminal = 1"
                  + " WHERE u.row_id = t.row_id AND u.token_id <> t.token_id)"),
          is(0L));
      assertThat(
          "a retried visit is numbered after the visit it replaces, once per attempt",
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM (SELECT token_id, node_id, attempt FROM"
                  + " node_states GROUP BY token_id, node_id, attempt HAVING COUNT(*) > 1) x"),
          is(0L));
      // A visit of an abandoned attempt may have committed without its token (another bundle):
      // it is reachable by its token id and node, and nothing finished that token.
      assertThat(
          "no outcome refers to an abandoned visit's unrecorded token",
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM node_states s JOIN token_outcomes o ON"
                  + " o.token_id = s.token_id WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE"
                  + " t.token_id = s.token_id)"),
          is(0L));
      long unrecordedTokenVisits =
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM node_states s"
                  + " WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE t.token_id = s.token_id)");
      System.err.println(
          "retry test: visits of unrecorded abandoned tokens=" + unrecordedTokenVisits);
    }
  }

  /** Every sink file of a run folder: CSV as a set of lines, JSON as a set of values. */
  /** A CSV of {@code rows} rows {@code id,amount}, amounts 0..1999. */
  private static Path idAmountCsv(Path file, int rows) throws IOException {
    StringBuilder csv = new StringBuilder("id,amount\n");
    for (int i = 0; i < rows; i++) {
      csv.append(i).append(',').append(i % 2000).append('\n');
    }
    Files.writeString(file, csv);
    return file;
  }

  private static Map<String, Set<Object>> sinkContents(Path runDir) throws IOException {
    Map<String, Set<Object>> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(runDir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".csv")) {
          out.put(name, new HashSet<>(Files.readAllLines(f)));
        } else if (name.endsWith(".json") || name.endsWith(".jsonl")) {
          Set<Object> values = new HashSet<>();
          String text = Files.readString(f).trim();
          if (text.startsWith("[")) {
            JSON.readTree(text).forEach(values::add);
          } else {
            for (String line : text.split("\n")) {
              if (!line.isBlank()) {
                values.add(JSON.readTree(line));
              }
            }
          }
          out.put(name, values);
        }
      }
    }
    return out;
  }

  /**
   * The run's lineage without its ids: per source row, the terminal outcomes of its tokens, the
   * node states by node and status, and the calls; and the counts of the linking tables.
   */
  private static Map<String, Long> lineageShape(Connection c) throws Exception {
    Map<String, Long> shape = new TreeMap<>();
    for (String table :
        List.of(
            "rows",
            "tokens",
            "token_parents",
            "routing_events",
            "batches",
            "batch_members",
            "artifacts",
            "validation_errors",
            "transform_errors",
            "calls")) {
      shape.put("count " + table, CliHarness.count(c, "SELECT COUNT(*) FROM " + table));
    }
    put(
        shape,
        c,
        "SELECT 'outcome row ' || r.row_index || ' ' || o.outcome || '@' ||"
            + " COALESCE(o.sink_name, '-') AS k, COUNT(*) AS n FROM token_outcomes o JOIN tokens t ON"
            + " t.token_id = o.token_id JOIN rows r ON r.row_id = t.row_id GROUP BY 1");
    put(
        shape,
        c,
        "SELECT 'state row ' || r.row_index || ' ' || n.plugin_name || ' ' ||"
            + " n.node_type || ' ' || s.status AS k, COUNT(*) AS n FROM node_states s JOIN tokens t ON"
            + " t.token_id = s.token_id JOIN rows r ON r.row_id = t.row_id JOIN nodes n ON"
            + " n.node_id = s.node_id GROUP BY 1");
    put(
        shape,
        c,
        "SELECT 'calls row ' || r.row_index AS k, COUNT(*) AS n FROM calls k JOIN"
            + " node_states s ON s.state_id = k.state_id JOIN tokens t ON t.token_id = s.token_id"
            + " JOIN rows r ON r.row_id = t.row_id GROUP BY 1");
    return shape;
  }

  private static void put(Map<String, Long> shape, Connection c, String sql) throws Exception {
    for (Map<String, Object> r : CliHarness.query(c, sql)) {
      shape.put(r.get("k").toString(), ((Number) r.get("n")).longValue());
    }
  }

  @Test
  void aSqliteLandscapeIsRefusedOnFlink() throws Exception {
    Path settings = CliHarness.example("threshold_gate", dir);
    CliHarness.Result r =
        CliHarness.run("run", "-s", settings.toString(), "--execute", "--runner", "flink-local");
    assertThat(r.exitCode(), is(1));
    assertThat(
        r.err(),
        org.hamcrest.Matchers.containsString(
            "landscape.url: the flink-local" + " runner needs a server database"));
    assertThat("nothing ran", Files.exists(dir.resolve("normal.csv")), is(false));
  }
}
