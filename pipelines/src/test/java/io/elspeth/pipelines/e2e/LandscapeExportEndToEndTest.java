package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.elspeth.audit.canonical.CanonicalJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code landscape.export} through the CLI: after the run completes its audit trail goes to the
 * export sink (json or csv), signed exports pass {@code elspeth verify}, a failed export leaves the
 * run completed with its export failed and exit 1, resumed runs and PostgreSQL Landscapes export
 * too, and settings that cannot work are refused before anything runs.
 */
@Tag("e2e")
class LandscapeExportEndToEndTest {
  private static final String KEY = "export-e2e-key";

  @TempDir Path dir;

  private Path settings(String export, String landscapeUrl) throws IOException {
    Path input = dir.resolve("in.csv");
    Files.writeString(input, "id,kind\n1,a\n2,b\n3,a\n4,b\n");
    return CliHarness.settings(
        dir,
        """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "kind: str"]}
            on_validation_failure: discard
        gates:
          - name: by_kind
            condition: "row['kind'] == 'b'"
            routes: {"true": bs, "false": continue}
        sinks:
          as: {plugin: csv, options: {path: %s}}
          bs: {plugin: csv, options: {path: %s}}
          trail: %s
        default_sink: as
        landscape:
          url: "%s"
          export: %s
        """
            .formatted(
                input,
                dir.resolve("as.csv"),
                dir.resolve("bs.csv"),
                "{plugin: json, options: {path: "
                    + dir.resolve("trail.jsonl")
                    + ", format: jsonl, schema: {fields: dynamic}}}",
                landscapeUrl,
                export));
  }

  private String sqlite() {
    return "sqlite:///" + dir.resolve("audit.db");
  }

  private CliHarness.Result inNewJvm(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    return CliHarness.runInNewJvm(dir, env, args);
  }

  private static Map<String, Object> run(Connection c) throws Exception {
    return CliHarness.query(
            c,
            "SELECT run_id, status, export_status, export_error,"
                + " export_format, export_sink, exported_at FROM runs ORDER BY started_at")
        .get(0);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> jsonLines(Path file) throws IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      out.add((Map<String, Object>) CanonicalJson.parse(line));
    }
    return out;
  }

  @Test
  void theExampleExportsItsAuditTrailAsOneJsonArray() throws Exception {
    Path settings = CliHarness.example("audit_export", dir);
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "-x");
    assertThat(r.err(), r.exitCode(), is(0));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> records =
        (List<Map<String, Object>>)
            CanonicalJson.parse(Files.readString(dir.resolve("audit_trail.json")));
    assertThat(records.get(0).get("record_type"), is("run"));
    assertThat(records.stream().filter(x -> "row".equals(x.get("record_type"))).count(), is(5L));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      Map<String, Object> run = run(c);
      assertThat(records.get(0).get("run_id"), is(run.get("run_id")));
      assertThat(run.get("status"), is("completed"));
      assertThat(run.get("export_status"), is("completed"));
      assertThat(run.get("export_format"), is("json"));
      assertThat(run.get("export_sink"), is("audit_trail"));
      assertThat(run.get("exported_at"), not(nullValue()));
      assertThat(
          "the export sink is not a node of the pipeline",
          CliHarness.count(c, "SELECT COUNT(*) FROM nodes WHERE node_id LIKE 'sink_audit_trail%'"),
          is(0L));
    }
    assertThat(CliHarness.lines(dir.resolve("corporate.csv")).size(), is(3));
  }

  @Test
  void aSignedJsonlExportIsWhatElspethExportWritesAndVerifies() throws Exception {
    Path settings = settings("{enabled: true, sink: trail, format: json, sign: true}", sqlite());
    CliHarness.Result r =
        inNewJvm(Map.of("ELSPETH_SIGNING_KEY", KEY), "run", "-s", settings.toString(), "-x");
    assertThat(r.err(), r.exitCode(), is(0));
    List<Map<String, Object>> records = jsonLines(dir.resolve("trail.jsonl"));
    assertThat(records.get(records.size() - 1).get("record_type"), is("manifest"));
    assertThat(records, everyItem(org.hamcrest.Matchers.hasKey("signature")));

    CliHarness.Result verified =
        inNewJvm(
            Map.of("ELSPETH_SIGNING_KEY", KEY), "verify", dir.resolve("trail.jsonl").toString());
    assertThat(verified.err(), verified.exitCode(), is(0));
    assertThat(verified.out(), containsString("OK: "));

    // The records `elspeth export --sign` writes, but for the run's own record: the post-run
    // export reads the run while its export is pending (as ELSPETH's does), a later export once
    // it completed.
    CliHarness.Result exported =
        inNewJvm(
            Map.of("ELSPETH_SIGNING_KEY", KEY),
            "export",
            "--run",
            "latest",
            "--database",
            dir.resolve("audit.db").toString(),
            "--output",
            dir.resolve("cli.jsonl").toString(),
            "--sign");
    assertThat(exported.err(), exported.exitCode(), is(0));
    List<Map<String, Object>> cli = jsonLines(dir.resolve("cli.jsonl"));
    assertThat(cli.size(), is(records.size()));
    assertThat(records.get(0).get("export_status"), is("pending"));
    assertThat(cli.get(0).get("export_status"), is("completed"));
    for (int i = 1; i < cli.size() - 1; i++) {
      assertThat(
          CanonicalJson.canonicalize(records.get(i)), is(CanonicalJson.canonicalize(cli.get(i))));
    }
    CliHarness.Result otherKey =
        inNewJvm(
            Map.of("ELSPETH_SIGNING_KEY", "another key"),
            "verify",
            dir.resolve("trail.jsonl").toString());
    assertThat(otherKey.exitCode(), is(1));
  }

  @Test
  void aJsonArrayExportVerifiesToo() throws Exception {
    Path settings = settings("{enabled: true, sink: trail, format: json, sign: true}", sqlite());
    Files.writeString(
        settings,
        Files.readString(settings)
            .replace(", format: jsonl", "")
            .replace("trail.jsonl", "trail.json"));
    CliHarness.Result r =
        inNewJvm(Map.of("ELSPETH_SIGNING_KEY", KEY), "run", "-s", settings.toString(), "-x");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(Files.readString(dir.resolve("trail.json")), startsWith("["));
    CliHarness.Result verified =
        inNewJvm(
            Map.of("ELSPETH_SIGNING_KEY", KEY), "verify", dir.resolve("trail.json").toString());
    assertThat(verified.err(), verified.exitCode(), is(0));
  }

  @Test
  void aCsvExportWritesOneFilePerRecordTypeNextToTheSinkPath() throws Exception {
    Path settings = settings("{enabled: true, sink: trail, format: csv}", sqlite());
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "-x");
    assertThat(r.err(), r.exitCode(), is(0));
    Path folder = dir.resolve("trail");
    List<String> files;
    try (Stream<Path> s = Files.list(folder)) {
      files = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(files, hasItem("run.csv"));
    assertThat(files, hasItem("node.csv"));
    assertThat(files, hasItem("row.csv"));
    assertThat(files, hasItem("token_outcome.csv"));
    List<String> rows = CliHarness.lines(folder.resolve("row.csv"));
    assertThat(rows.size(), is(5));
    List<String> header = List.of(rows.get(0).split(","));
    assertThat("the header is sorted", header, equalTo(header.stream().sorted().toList()));
    String runHeader = CliHarness.lines(folder.resolve("run.csv")).get(0);
    assertThat(
        "nested settings are flattened with dots",
        runHeader,
        containsString("settings.source.plugin"));
    assertThat(Files.exists(dir.resolve("trail.jsonl")), is(false));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      assertThat(run(c).get("export_status"), is("completed"));
      assertThat(run(c).get("export_format"), is("csv"));
    }
  }

  @Test
  void aFailedExportLeavesTheRunCompletedAndExitsOne() throws Exception {
    Path settings = settings("{enabled: true, sink: trail, format: json}", sqlite());
    Files.writeString(dir.resolve("blocker"), "a file where the export's folder should be");
    Files.writeString(
        settings,
        Files.readString(settings)
            .replace(
                dir.resolve("trail.jsonl").toString(),
                dir.resolve("blocker/trail.jsonl").toString()));
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "-x");
    assertThat(r.exitCode(), is(1));
    assertThat(r.err(), containsString("completed, but its audit export failed"));
    assertThat(CliHarness.lines(dir.resolve("as.csv")).size(), is(3));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      Map<String, Object> run = run(c);
      assertThat(run.get("status"), is("completed"));
      assertThat(run.get("export_status"), is("failed"));
      assertThat((String) run.get("export_error"), containsString("sink 'trail' failed"));
      LandscapeInvariants.assertReconciles(c);
    }
  }

  @Test
  void aResumedRunExportsItsOwnAuditTrail() throws Exception {
    Path settings = settings("{enabled: true, sink: trail, format: json}", sqlite());
    CliHarness.Result first = CliHarness.run("run", "-s", settings.toString(), "-x");
    assertThat(first.err(), first.exitCode(), is(0));
    String firstRun;
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"));
        Statement s = c.createStatement()) {
      firstRun = run(c).get("run_id").toString();
      s.execute(
          "DELETE FROM token_outcomes WHERE token_id IN (SELECT t.token_id FROM tokens t"
              + " JOIN rows r ON r.row_id = t.row_id WHERE r.row_index >= 2)");
      s.execute("UPDATE runs SET status = 'failed' WHERE run_id = '" + firstRun + "'");
    }
    Files.write(dir.resolve("as.csv"), List.of("id,kind", "1,a"));
    Files.write(dir.resolve("bs.csv"), List.of("id,kind", "2,b"));
    CliHarness.Result resumed = CliHarness.run("resume", firstRun, "-s", settings.toString(), "-x");
    assertThat(resumed.err(), resumed.exitCode(), is(0));
    List<Map<String, Object>> records = jsonLines(dir.resolve("trail.jsonl"));
    try (Connection c = CliHarness.landscape(dir.resolve("audit.db"))) {
      Map<String, Object> second =
          CliHarness.query(
                  c,
                  "SELECT run_id, export_status FROM runs" + " WHERE run_id <> '" + firstRun + "'")
              .get(0);
      assertThat(records.get(0).get("run_id"), is(second.get("run_id")));
      assertThat(second.get("export_status"), is("completed"));
    }
    assertThat(records.stream().filter(x -> "row".equals(x.get("record_type"))).count(), is(2L));
  }

  @Test
  void aPostgresqlLandscapeExportsAsSqliteDoes() throws Exception {
    try (CliHarness.PgSchema schema = new CliHarness.PgSchema()) {
      Path settings = settings("{enabled: true, sink: trail, format: json}", schema.url());
      CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "-x");
      assertThat(r.err(), r.exitCode(), is(0));
      List<Map<String, Object>> records = jsonLines(dir.resolve("trail.jsonl"));
      assertThat(records.stream().filter(x -> "row".equals(x.get("record_type"))).count(), is(4L));
      try (Connection c = schema.connect()) {
        Map<String, Object> run = run(c);
        assertThat(run.get("export_status"), is("completed"));
        assertThat(records.get(0).get("run_id"), is(run.get("run_id")));
      }
    }
  }

  @Test
  void settingsThatCannotExportAreRefusedBeforeTheRun() throws Exception {
    Path routed = settings("{enabled: true, sink: bs, format: json}", sqlite());
    CliHarness.Result r = CliHarness.run("run", "-s", routed.toString(), "-x");
    assertThat(r.exitCode(), is(1));
    assertThat(
        r.err(),
        containsString(
            "landscape.export.sink: sink 'bs' also receives pipeline"
                + " rows (gates[0].routes.true)"));

    Path missing = settings("{enabled: true, sink: nowhere}", sqlite());
    r = CliHarness.run("run", "-s", missing.toString(), "-x");
    assertThat(r.exitCode(), is(1));
    assertThat(r.err(), containsString("landscape.export.sink: 'nowhere' not found in sinks"));

    Path unknown = settings("{enabled: true, sink: trail, format: xml}", sqlite());
    r = CliHarness.run("run", "-s", unknown.toString(), "-x");
    assertThat(r.exitCode(), is(1));
    assertThat(r.err(), containsString("landscape.export.format"));

    Path unsigned = settings("{enabled: true, sink: trail, format: json, sign: true}", sqlite());
    r = inNewJvm(Map.of(), "run", "-s", unsigned.toString(), "-x");
    assertThat(r.exitCode(), is(1));
    assertThat(
        r.err(),
        containsString(
            "landscape.export.sign: a signed export needs the HMAC"
                + " key in the environment variable ELSPETH_SIGNING_KEY"));
    assertThat("nothing ran", Files.exists(dir.resolve("audit.db")), is(false));
  }
}
