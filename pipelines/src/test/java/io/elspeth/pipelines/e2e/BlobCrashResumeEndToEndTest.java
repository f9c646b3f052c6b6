package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.testkit.azurite.Azurite;
import io.elspeth.testkit.postgres.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 of a run whose sinks are Azure blobs (Azurite), at every step of a blob sink's
 * publication (blocks staged, intent recorded, block list committed) and after, then {@code elspeth
 * resume}: every source row is in exactly one blob, once; the newest artifact of each blob hashes
 * the blob as it is; every row has one terminal outcome over the chain; the last run completes; no
 * publication is left unsettled and no block is left uncommitted. One sink's blob is named after
 * the run ({@code {{ run_id }}}): the resumed run continues the first run's blob, and writes none
 * of its own; the other's name is fixed and it does not overwrite.
 */
@Tag("e2e")
class BlobCrashResumeEndToEndTest {
  static final int ROWS = 1500;
  private static Azurite azurite;

  @TempDir Path dir;
  private BlobContainerClient container;

  @BeforeAll
  static void startAzurite() {
    azurite = Azurite.start();
  }

  @AfterAll
  static void stopAzurite() {
    azurite.close();
  }

  @BeforeEach
  void newContainer() {
    container =
        new BlobServiceClientBuilder()
            .connectionString(azurite.connectionString())
            .buildClient()
            .getBlobContainerClient(
                "crash" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
    container.create();
  }

  private static final String PG_SERVER = TestPostgres.get().jdbcUrl();

  /** The PostgreSQL schema of a test with a PostgreSQL Landscape; null with SQLite. */
  private String pgSchema;

  @AfterEach
  void dropSchema() throws Exception {
    if (pgSchema != null) {
      try (Connection c = DriverManager.getConnection(PG_SERVER);
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + pgSchema + " CASCADE");
      }
    }
  }

  private Path settings() throws Exception {
    return settings("sqlite:///" + dir.resolve("audit.db"));
  }

  /** Settings with a Landscape in a PostgreSQL schema of this test's own (Flink needs one). */
  private Path postgresSettings() throws Exception {
    pgSchema = "blobcrash_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = DriverManager.getConnection(PG_SERVER);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + pgSchema);
    }
    return settings(TestPostgres.get().url() + "?currentSchema=" + pgSchema);
  }

  private Path settings(String landscapeUrl) throws Exception {
    String blob =
        "plugin: azure_blob, options: {connection_string: \""
            + azurite.connectionString()
            + "\", container: "
            + container.getBlobContainerName()
            + ", upload_block_size: 4096, ";
    return CrashHarness.gatePipeline(
        dir,
        ROWS,
        landscapeUrl,
        "normal: {" + blob + "blob_path: \"out/{{ run_id }}/normal.csv\", format: csv}}",
        "high: {" + blob + "blob_path: out/high.jsonl, format: jsonl, overwrite: false}}");
  }

  private Connection landscape() throws Exception {
    return pgSchema == null
        ? CrashHarness.sqlite(dir.resolve("audit.db"))
        : DriverManager.getConnection(PG_SERVER + "&currentSchema=" + pgSchema);
  }

  private void resumeToCompletion(Path settings, String... runnerArgs) throws Exception {
    String runId;
    try (Connection c = landscape()) {
      runId = CrashHarness.runToResume(c);
    }
    List<String> args =
        new java.util.ArrayList<>(List.of("resume", runId, "-s", settings.toString(), "-x"));
    args.addAll(List.of(runnerArgs));
    CrashHarness.Outcome o = CrashHarness.elspeth(dir, null, args.toArray(String[]::new));
    assertThat(o.output(), o.exitCode(), is(0));
    assertThat(o.output(), containsString("completed"));
  }

  /** The run the chain began with: the first one recorded. */
  private String firstRun() throws Exception {
    try (Connection c = landscape()) {
      return CliHarness.query(c, "SELECT run_id FROM runs ORDER BY started_at")
          .get(0)
          .get("run_id")
          .toString();
    }
  }

  private void assertExactlyOnceAndTrue() throws Exception {
    String normal = "out/" + firstRun() + "/normal.csv";
    String high = "out/high.jsonl";
    // Uncommitted blobs are listed too: a blob with only staged blocks would show here.
    List<String> blobs =
        container
            .listBlobs(
                new ListBlobsOptions()
                    .setDetails(new BlobListDetails().setRetrieveUncommittedBlobs(true)),
                null)
            .stream()
            .map(BlobItem::getName)
            .sorted()
            .toList();
    assertThat(
        "the chain wrote one blob per sink, named after its first run",
        blobs,
        equalTo(List.of(normal, high).stream().sorted().toList()));

    Map<Long, Integer> ids = new HashMap<>();
    String csv = new String(content(normal), StandardCharsets.UTF_8);
    List<String> lines = List.of(csv.split("\r?\n"));
    assertThat(lines.get(0), is("id,customer,amount"));
    for (String line : lines.subList(1, lines.size())) {
      ids.merge(Long.parseLong(line.substring(0, line.indexOf(','))), 1, Integer::sum);
    }
    ObjectMapper mapper = new ObjectMapper();
    for (String line : new String(content(high), StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        ids.merge(mapper.readTree(line).get("id").asLong(), 1, Integer::sum);
      }
    }
    CrashHarness.assertExactlyOnce(ids, ROWS);

    try (Connection c = landscape()) {
      for (String blob : List.of(normal, high)) {
        byte[] bytes = content(blob);
        List<Map<String, Object>> rows =
            CliHarness.query(
                c,
                "SELECT content_hash, size_bytes"
                    + " FROM artifacts WHERE path_or_uri = '"
                    + azurite.accountUrl()
                    + "/"
                    + container.getBlobContainerName()
                    + "/"
                    + blob
                    + "' ORDER BY created_at DESC");
        assertThat("no artifact recorded for " + blob, rows.isEmpty(), is(false));
        assertThat(
            "artifact hash of " + blob,
            rows.get(0).get("content_hash"),
            equalTo(CanonicalJson.sha256Hex(bytes)));
        assertThat(
            "artifact size of " + blob,
            ((Number) rows.get(0).get("size_bytes")).longValue(),
            equalTo((long) bytes.length));
        assertThat(
            "no block of " + blob + " is left uncommitted",
            container
                .getBlobClient(blob)
                .getBlockBlobClient()
                .listBlocks(BlockListType.ALL)
                .getUncommittedBlocks(),
            hasSize(0));
      }
      CrashHarness.assertOneTerminalOutcomePerRow(c);
      assertThat(
          CliHarness.count(c, "SELECT COUNT(DISTINCT row_index) FROM rows"), is((long) ROWS));
      assertThat(
          CliHarness.query(c, "SELECT status FROM runs ORDER BY started_at DESC")
              .get(0)
              .get("status"),
          equalTo("completed"));
      assertThat(
          "every publication is settled",
          CliHarness.count(
              c, "SELECT COUNT(*) FROM elspeth_sink_publications WHERE settled_ms IS NULL"),
          is(0L));
      assertThat(
          "every blob call is recorded under a sink_write",
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM calls c JOIN operations o ON o.operation_id = c.operation_id"
                  + " WHERE o.operation_type = 'sink_write' AND c.call_type = 'http'"),
          org.hamcrest.Matchers.greaterThan(0L));
    }
    try (var files = Files.walk(dir)) {
      assertThat(
          "no manifest is left once every publication is settled",
          files.filter(f -> f.getFileName().toString().endsWith(".elspeth-manifest")).toList(),
          hasSize(0));
    }
  }

  private byte[] content(String blob) {
    return container.getBlobClient(blob).downloadContent().toBytes();
  }

  static java.util.stream.Stream<String> killPoints() {
    return CrashHarness.killPoints(
        List.of(
            "sink.staged",
            "sink.intent_recorded",
            "sink.published",
            "sink.intent_recorded@2",
            "sink.published@2",
            "commit.outcomes_committed@1",
            "launch.pipeline_done"),
        List.of("sink.intent_recorded", "sink.published@2", "commit.outcomes_committed@1"));
  }

  @ParameterizedTest(name = "kill -9 at {0}")
  @org.junit.jupiter.params.provider.MethodSource("killPoints")
  void aBlobSinkRunKilledAnywhereResumesExactlyOnce(String point) throws Exception {
    Path settings = settings();
    CrashHarness.Outcome o =
        CrashHarness.elspeth(dir, point, "run", "-s", settings.toString(), "-x");
    assertThat(o.output(), o.killed(), is(true));
    resumeToCompletion(settings);
    assertExactlyOnceAndTrue();
    try (Connection c = landscape()) {
      String first = firstRun();
      assertThat(
          "no recorded intent was abandoned: the repair committed the staged blocks",
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM elspeth_sink_publications WHERE"
                  + " resolution <> 'published'"),
          is(0L));
      if (point.startsWith("sink.intent_recorded") || point.startsWith("sink.published")) {
        assertThat(
            "the interrupted publication's rows are the first run's",
            CliHarness.count(
                c,
                "SELECT COUNT(*) FROM elspeth_sink_publications WHERE run_id = '"
                    + first
                    + "'"
                    + " AND resolution = 'published'"),
            org.hamcrest.Matchers.greaterThan(0L));
        assertThat(
            "the repair's blob requests are calls of the first run",
            CliHarness.count(
                c,
                "SELECT COUNT(*) FROM calls c JOIN operations o ON o.operation_id = c.operation_id"
                    + " WHERE o.run_id = '"
                    + first
                    + "' AND o.operation_type = 'sink_write'"),
            org.hamcrest.Matchers.greaterThan(0L));
      }
    }
  }

  @ParameterizedTest(name = "kill -9 at {0}, then kill -9 the resume at its repair")
  @ValueSource(strings = {"sink.intent_recorded", "sink.published"})
  void aResumeKilledInTurnIsResumedAgain(String point) throws Exception {
    Path settings = settings();
    assertThat(
        CrashHarness.elspeth(dir, point, "run", "-s", settings.toString(), "-x").killed(),
        is(true));
    String first;
    try (Connection c = landscape()) {
      first = CrashHarness.runToResume(c);
    }
    CrashHarness.Outcome killedResume =
        CrashHarness.elspeth(
            dir, "resume.publication_repaired", "resume", first, "-s", settings.toString(), "-x");
    assertThat(killedResume.output(), killedResume.killed(), is(true));
    resumeToCompletion(settings);
    assertExactlyOnceAndTrue();
  }

  @Test
  void aResumeKilledWhileItAppendsToTheBlobsIsResumedAgain() throws Exception {
    Path settings = settings();
    // The first run publishes both blobs and dies before their outcomes are all committed.
    assertThat(
        CrashHarness.elspeth(
                dir, "commit.outcomes_committed@1", "run", "-s", settings.toString(), "-x")
            .killed(),
        is(true));
    String first;
    try (Connection c = landscape()) {
      first = CrashHarness.runToResume(c);
    }
    // The resume appends (no rows) to both blobs; it dies with one append recorded, uncommitted.
    assertThat(
        CrashHarness.elspeth(
                dir, "sink.intent_recorded", "resume", first, "-s", settings.toString(), "-x")
            .killed(),
        is(true));
    resumeToCompletion(settings);
    assertExactlyOnceAndTrue();
  }

  @ParameterizedTest(name = "flink-local, PostgreSQL Landscape, kill -9 at {0}")
  @ValueSource(strings = {"sink.intent_recorded", "sink.published"})
  void flinkLocalBlobRunResumesExactlyOnce(String point) throws Exception {
    Path settings = postgresSettings();
    CrashHarness.Outcome o =
        CrashHarness.elspeth(
            dir,
            point,
            "run",
            "-s",
            settings.toString(),
            "-x",
            "--runner",
            "flink-local",
            "--parallelism",
            "2");
    assertThat(o.output(), o.killed(), is(true));
    resumeToCompletion(settings, "--runner", "flink-local", "--parallelism", "2");
    assertExactlyOnceAndTrue();
  }
}
