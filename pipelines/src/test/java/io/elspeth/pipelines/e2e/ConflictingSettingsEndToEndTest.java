package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settings whose parts would destroy each other's data, through the CLI: {@code validate} and
 * {@code run --execute} refuse them with exit 1 naming both keys, nothing is written (the input
 * keeps its bytes and time), and stderr has a reason, not a stack trace, unless --verbose.
 */
@Tag("e2e")
class ConflictingSettingsEndToEndTest {
  private static final String INPUT = "id,amount\n1,10\n2,20\n";

  @TempDir Path dir;

  private Path input;
  private FileTime inputTime;

  @BeforeEach
  void writeInput() throws Exception {
    input = dir.resolve("in.csv");
    Files.writeString(input, INPUT);
    inputTime = FileTime.fromMillis(1_000_000_000_000L);
    Files.setLastModifiedTime(input, inputTime);
  }

  /** A pipeline from {@code in.csv} to the given sinks (YAML lines under sinks:). */
  private String pipeline(String sinks) {
    return """
        source:
          plugin: csv
          options: {path: %1$s/in.csv, on_validation_failure: discard, schema: {fields: dynamic}}
        sinks:
        %2$s
        default_sink: normal
        landscape: {url: "sqlite:///%1$s/audit.db"}
        payload_store: {base_path: %1$s/payloads}
        """
        .formatted(dir, sinks.indent(2).stripTrailing());
  }

  /** Stderr of the CLI: what it printed and whatever was logged to System.err meanwhile. */
  private record Outcome(int exitCode, String err) {}

  private static Outcome cli(String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream logged = new ByteArrayOutputStream();
    System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
    try {
      CliHarness.Result r = CliHarness.run(args);
      return new Outcome(r.exitCode(), r.err() + logged.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  private void assertRefused(String yaml, String expected) throws Exception {
    Path s = CliHarness.settings(dir, yaml);
    for (Function<Path, String[]> command :
        java.util.List.<Function<Path, String[]>>of(
            f -> new String[] {"validate", "-s", f.toString()},
            f -> new String[] {"run", "-s", f.toString(), "--execute"},
            f ->
                new String[] {
                  "resume", "01a24f4ab8507a5dad13f5f579d4c4a0", "-s", f.toString(), "--execute"
                })) {
      Outcome o = cli(command.apply(s));
      assertThat(o.err(), o.exitCode(), is(1));
      assertThat(
          o.err(),
          allOf(
              containsString("elspeth: " + s),
              containsString(expected),
              not(containsString("\tat ")),
              not(containsString("Exception"))));
    }
    Outcome verbose = cli("validate", "-s", s.toString(), "--verbose");
    assertThat(verbose.exitCode(), is(1));
    assertThat(
        verbose.err(),
        allOf(
            containsString(expected),
            containsString("io.elspeth.pipelines.settings.SettingsException"),
            containsString("\tat io.elspeth.pipelines.settings.")));
    assertThat(Files.readString(input), is(INPUT));
    assertThat(Files.getLastModifiedTime(input), is(inputTime));
    assertThat(Files.exists(dir.resolve("audit.db")), is(false));
  }

  private String csv(String name, Object path) {
    return name + ": {plugin: csv, options: {path: " + path + "}}";
  }

  @Test
  void aSinkOnTheInputIsRefused() throws Exception {
    assertRefused(
        pipeline(csv("normal", dir + "/sub/../in.csv")),
        "sinks.normal.options.path and source.options.path resolve to the same file "
            + input.toRealPath()
            + ": the run would overwrite its own input");
  }

  @Test
  void twoSinksOnOneFileAreRefused() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Files.createSymbolicLink(dir.resolve("link"), real);
    assertRefused(
        pipeline(
            csv("normal", dir + "/link/out.csv")
                + "\n"
                + "high: {plugin: json, options: {path: "
                + real
                + "/out.csv, format: jsonl}}"),
        "sinks.normal.options.path and sinks.high.options.path resolve to the same file "
            + real.toRealPath().resolve("out.csv"));
  }

  @Test
  void aDuplicateSinkNameIsRefusedNamingBothLines() throws Exception {
    assertRefused(
        pipeline(csv("normal", dir.resolve("a.csv")) + "\n" + csv("normal", dir.resolve("b.csv"))),
        "sinks.normal: duplicate key at line 5 and again at line 6");
  }

  @Test
  void aSinkOnTheLandscapeOrInsideThePayloadStoreIsRefused() throws Exception {
    assertRefused(
        pipeline(csv("normal", dir.resolve("audit.db-wal"))),
        "sinks.normal.options.path and landscape.url resolve to the same file "
            + dir.toRealPath().resolve("audit.db-wal"));
    assertRefused(
        pipeline(csv("normal", dir.resolve("payloads/out.csv"))),
        "sinks.normal.options.path resolves to "
            + dir.toRealPath().resolve("payloads/out.csv")
            + ", inside the payload store");
  }

  @Test
  void twoDatabaseSinksReplacingOneTableAreRefused() throws Exception {
    String url = "sqlite:///" + dir + "/out.db";
    assertRefused(
        pipeline(
            "normal: {plugin: database, options: {url: \""
                + url
                + "\", table: t,"
                + " if_exists: replace}}\nother: {plugin: database, options: {url: \""
                + url
                + "\","
                + " table: T}}"),
        "sinks.normal.options.table and sinks.other.options.table name the same"
            + " table 't' in one database");
  }

  @Test
  void aPasswordInAnInvalidUrlNeverReachesStderr() throws Exception {
    Path s =
        CliHarness.settings(
            dir,
            pipeline(csv("normal", dir.resolve("out.csv")))
                .replace(
                    "sqlite:///" + dir + "/audit.db", "mysql://admin:hunter2pw@db.example/audit"));
    Outcome o = cli("run", "-s", s.toString(), "--execute", "--verbose");
    assertThat(o.exitCode(), is(1));
    assertThat(
        o.err(),
        allOf(
            containsString("landscape.url: unsupported Landscape URL"),
            containsString("admin:***@"),
            not(containsString("hunter2pw"))));
  }

  @Test
  void anUnknownRunnerIsAUsageError() throws Exception {
    Path s = CliHarness.settings(dir, pipeline(csv("normal", dir.resolve("out.csv"))));
    Outcome o = cli("run", "-s", s.toString(), "--runner", "bogus");
    assertThat(o.exitCode(), is(2));
    assertThat(
        o.err(),
        allOf(
            containsString(
                "elspeth: Invalid value for option '--runner':"
                    + " unknown runner 'bogus' (expected one of [direct, flink-local, flink-cluster])"),
            not(containsString("\tat "))));
  }

  @Test
  void aFailedRunPrintsItsReasonAndItsTraceOnlyWithVerbose() throws Exception {
    Files.writeString(dir.resolve("blocker"), "a file where a folder should be");
    Path s = CliHarness.settings(dir, pipeline(csv("normal", dir.resolve("blocker/out.csv"))));
    Outcome quiet = cli("run", "-s", s.toString(), "--execute");
    assertThat(quiet.err(), quiet.exitCode(), is(1));
    assertThat(
        quiet.err(),
        allOf(
            containsString("elspeth: run "),
            containsString(" failed: sink" + " 'normal' could not write"),
            not(containsString("\tat "))));
    Outcome verbose = cli("--verbose", "run", "-s", s.toString(), "--execute");
    assertThat(verbose.exitCode(), is(1));
    assertThat(verbose.err(), allOf(containsString("elspeth: run "), containsString("\tat ")));
    assertThat(Files.readString(input), is(INPUT));
  }

  @Test
  void exportAndExplainNeverWriteOverTheLandscapeTheyRead() throws Exception {
    Path db = dir.resolve("audit.db");
    Files.writeString(db, "stands in for a Landscape");
    Files.createSymbolicLink(dir.resolve("db-link"), db);
    Outcome export =
        cli(
            "export",
            "--run",
            "latest",
            "--database",
            db.toString(),
            "--output",
            dir.resolve("db-link").toString());
    assertThat(export.err(), export.exitCode(), is(1));
    assertThat(
        export.err(),
        allOf(
            containsString(
                "elspeth: --output "
                    + dir.resolve("db-link")
                    + " and --database resolve to the same file "
                    + db.toRealPath()),
            not(containsString("\tat "))));
    Outcome explain =
        cli(
            "explain",
            "--run",
            "latest",
            "--row",
            "0",
            "--database",
            db.toString(),
            "--html",
            dir.resolve("audit.db-wal").toString());
    assertThat(explain.exitCode(), is(1));
    assertThat(
        explain.err(),
        containsString(
            "--html " + dir.resolve("audit.db-wal") + " and --database resolve to the same file"));
    assertThat(Files.readString(db), is("stands in for a Landscape"));
    assertThat(Files.exists(dir.resolve("audit.db-wal")), is(false));
  }
}
