package io.elspeth.pipelines.settings;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.pipelines.plugins.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings whose outputs would overwrite each other, the input or the audit record. */
class OutputConflictsTest {
  private static final String BLOB_AUTH =
      "connection_string: \"DefaultEndpointsProtocol=http;"
          + "AccountName=devstoreaccount1;AccountKey=a2V5;"
          + "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1\"";

  @TempDir Path dir;

  private final SettingsValidator validator = new SettingsValidator(PluginRegistry.builtIn());

  /** A pipeline reading in.csv with {@code sinks} (YAML lines under sinks:) and more settings. */
  private String pipeline(String sinks, String more) {
    return """
        source: {plugin: csv, options: {path: %1$s/in.csv, on_validation_failure: discard}}
        sinks:
        %2$s
        default_sink: a
        landscape: {url: "sqlite:///%1$s/audit.db"}
        payload_store: {base_path: %1$s/payloads}
        %3$s
        """
        .formatted(dir, sinks.indent(2).stripTrailing(), more);
  }

  private PipelineSettings validate(String yaml) throws Exception {
    Path f = dir.resolve("settings.yaml");
    Files.writeString(f, yaml);
    return validator.validate(f, SettingsLoader.load(f, null, Map.of()));
  }

  private List<String> problems(String yaml) throws Exception {
    return assertThrows(SettingsException.class, () -> validate(yaml)).problems();
  }

  private String csv(String name, String path) {
    return name + ": {plugin: csv, options: {path: " + path + "}}";
  }

  @Test
  void distinctOutputsAreValid() throws Exception {
    validate(pipeline(csv("a", dir + "/a.csv") + "\n" + csv("b", dir + "/b.csv"), ""));
  }

  @Test
  void twoSinksOnOnePathSpelledDifferentlyConflict() throws Exception {
    Files.createDirectories(dir.resolve("sub"));
    List<String> p =
        problems(
            pipeline(
                csv("a", dir + "/out.csv")
                    + "\n"
                    + "b: {plugin: json, options: {path: "
                    + dir
                    + "/sub/../out.csv, format: jsonl}}",
                ""));
    assertThat(
        p,
        contains(
            "sinks.a.options.path and sinks.b.options.path resolve to the same file "
                + dir.toRealPath().resolve("out.csv")
                + ": one would overwrite the other's rows (lines 3 and 4)"));
  }

  @Test
  void aRelativePathIsResolvedAgainstTheWorkingDirectory() throws Exception {
    Path cwd = Path.of("").toAbsolutePath();
    Path out = cwd.resolve("target/conflict-" + dir.getFileName() + ".csv");
    List<String> p =
        problems(
            pipeline(
                csv("a", "target/conflict-" + dir.getFileName() + ".csv")
                    + "\n"
                    + csv("b", out.toString()),
                ""));
    assertThat(p, hasSize(1));
    assertThat(
        p.get(0),
        startsWith("sinks.a.options.path and sinks.b.options.path resolve to the" + " same file"));
  }

  @Test
  void aNotYetExistingFileUnderASymlinkedFolderIsTheFileItPointsAt() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Files.createSymbolicLink(dir.resolve("link"), real);
    List<String> p =
        problems(
            pipeline(csv("a", dir + "/link/new.csv") + "\n" + csv("b", dir + "/real/new.csv"), ""));
    assertThat(
        p,
        contains(
            "sinks.a.options.path and sinks.b.options.path resolve to the same file "
                + real.toRealPath().resolve("new.csv")
                + ": one would overwrite the other's rows (lines 3 and 4)"));
  }

  @Test
  void dotDotAfterASymlinkGoesUpFromItsTarget() throws Exception {
    Path deep = Files.createDirectories(dir.resolve("x/y"));
    Files.createSymbolicLink(dir.resolve("l"), deep);
    // l/../out.csv is x/out.csv (as the OS opens it), not dir/out.csv.
    List<String> p =
        problems(
            pipeline(csv("a", dir + "/l/../out.csv") + "\n" + csv("b", dir + "/x/out.csv"), ""));
    assertThat(p, hasSize(1));
    validate(pipeline(csv("a", dir + "/l/../out.csv") + "\n" + csv("b", dir + "/out.csv"), ""));
  }

  @Test
  void aHardLinkToTheInputIsTheInput() throws Exception {
    Files.writeString(dir.resolve("in.csv"), "id\n1\n");
    Files.createLink(dir.resolve("alias.csv"), dir.resolve("in.csv"));
    List<String> p = problems(pipeline(csv("a", dir + "/alias.csv"), ""));
    assertThat(
        p,
        contains(
            "sinks.a.options.path and source.options.path resolve to the same file "
                + dir.toRealPath().resolve("alias.csv")
                + ": the run would overwrite its own input (lines 3 and 1)"));
  }

  @Test
  void aSinkOnTheSourceInputConflicts() throws Exception {
    List<String> p = problems(pipeline(csv("a", dir + "/./in.csv"), ""));
    assertThat(
        p,
        contains(
            "sinks.a.options.path and source.options.path resolve to the same file "
                + dir.toRealPath().resolve("in.csv")
                + ": the run would overwrite its own input (lines 3 and 1)"));
  }

  @Test
  void aSinkOnTheLandscapeFileOrItsJournalConflicts() throws Exception {
    List<String> p =
        problems(
            pipeline(
                csv("a", dir + "/audit.db")
                    + "\n"
                    + csv("b", dir + "/audit.db-wal")
                    + "\n"
                    + csv("c", dir + "/audit.db-journal"),
                ""));
    assertThat(p, hasSize(3));
    assertThat(
        p,
        hasItem(
            "sinks.a.options.path and landscape.url resolve to the same file "
                + dir.toRealPath().resolve("audit.db")
                + " (the Landscape database): the run would"
                + " overwrite its audit record (lines 3 and 7)"));
    assertThat(
        p,
        hasItem(
            "sinks.b.options.path and landscape.url resolve to the same file "
                + dir.toRealPath().resolve("audit.db-wal")
                + " (the Landscape's SQLite journal): the run"
                + " would overwrite its audit record (lines 4 and 7)"));
  }

  @Test
  void aSinkInsideThePayloadStoreConflicts() throws Exception {
    List<String> p = problems(pipeline(csv("a", dir + "/payloads/ab/out.csv"), ""));
    assertThat(
        p,
        contains(
            "sinks.a.options.path resolves to "
                + dir.toRealPath()
                + "/payloads/ab/out.csv, inside the payload store "
                + dir.toRealPath()
                + "/payloads (payload_store.base_path): payloads are named by their hash and purged by"
                + " age; keep outputs elsewhere (line 3, column 30)"));
  }

  @Test
  void theTelemetryHealthFileAndASinkConflict() throws Exception {
    List<String> p =
        problems(
            pipeline(
                csv("a", dir + "/health.jsonl"),
                "telemetry: {enabled: true, health_file: " + dir + "/health.jsonl}"));
    assertThat(
        p,
        contains(
            "sinks.a.options.path and telemetry.health_file resolve to the same"
                + " file "
                + dir.toRealPath().resolve("health.jsonl")
                + ": one would overwrite the"
                + " other's rows (lines 3 and 7)"));
  }

  private String db(String name, String url, String table, String more) {
    return name
        + ": {plugin: database, options: {url: \""
        + url
        + "\", table: "
        + table
        + more
        + "}}";
  }

  @Test
  void databaseSinksShareATableOnlyWhenBothAppend() throws Exception {
    String url = "sqlite:///" + dir + "/out.db";
    validate(pipeline(db("a", url, "rows", "") + "\n" + db("b", url, "ROWS", ""), ""));
    validate(
        pipeline(
            db("a", url, "rows", ", if_exists: replace")
                + "\n"
                + db("b", url, "other", ", if_exists: replace"),
            ""));
    List<String> p =
        problems(
            pipeline(
                db("a", url, "rows", ", if_exists: replace") + "\n" + db("b", url, "main.rows", ""),
                ""));
    assertThat(
        p,
        contains(
            startsWith(
                "sinks.a.options.table and sinks.b.options.table name the"
                    + " same table 'rows' in one database")));
    assertThat(
        problems(
            pipeline(
                db("a", url, "rows", "") + "\n" + db("b", url, "rows", ", upsert_key: id"), "")),
        hasSize(1));
  }

  @Test
  void aSqliteDatabaseSinkNeverSharesTheLandscapeFile() throws Exception {
    List<String> p = problems(pipeline(db("a", "sqlite:///" + dir + "/audit.db", "rows", ""), ""));
    assertThat(
        p,
        contains(
            "sinks.a.options.url and landscape.url resolve to the same file "
                + dir.toRealPath().resolve("audit.db")
                + " (the Landscape database): the run would"
                + " overwrite its audit record (lines 3 and 5)"));
  }

  @Test
  void aServerDatabaseSinkMayNotWriteALandscapeTable() throws Exception {
    String pg = "postgresql://postgres@127.0.0.1:5432/test";
    String yaml =
        pipeline(db("a", pg, "runs", ""), "")
            .replace("url: \"sqlite:///" + dir + "/audit.db\"", "url: \"" + pg + "\"");
    assertThat(
        problems(yaml),
        contains(
            startsWith(
                "sinks.a.options.table: 'runs' is a Landscape"
                    + " table and sinks.a.options.url is the Landscape database (landscape.url)")));
    validate(
        pipeline(db("a", pg, "results", ""), "")
            .replace("url: \"sqlite:///" + dir + "/audit.db\"", "url: \"" + pg + "\""));
  }

  private String blob(String name, String path) {
    return name
        + ": {plugin: azure_blob, options: {"
        + BLOB_AUTH
        + ", container: c, blob_path: \""
        + path
        + "\"}}";
  }

  @Test
  void blobSinksOnOneBlobOrOnTheSourceBlobsConflict() throws Exception {
    String yaml =
        pipeline(
                blob("a", "out/x.csv")
                    + "\n"
                    + blob("b", "out/x.csv")
                    + "\n"
                    + blob("c", "in/2024.csv"),
                "")
            .replace(
                "source: {plugin: csv, options: {path: "
                    + dir
                    + "/in.csv, on_validation_failure: discard}}",
                "source: {plugin: azure_blob, options: {"
                    + BLOB_AUTH
                    + ", container: c, blob_path: \"in/*.csv\","
                    + " on_validation_failure: discard}}");
    List<String> p = problems(yaml);
    assertThat(p, hasSize(2));
    assertThat(
        p,
        hasItem(
            "sinks.a.options.blob_path and sinks.b.options.blob_path name the same"
                + " blob c/out/x.csv of http://127.0.0.1:10000/devstoreaccount1: one would overwrite the"
                + " other's rows (lines 3 and 4)"));
    assertThat(
        p,
        hasItem(
            startsWith(
                "sinks.c.options.blob_path and source.options.blob_path name"
                    + " the same blob c/in/2024.csv")));
  }

  @Test
  void aLandscapeOrDatabaseAtTheRootIsReportedNotACrash() throws Exception {
    String yaml =
        pipeline(db("a", "sqlite:////", "t", ""), "")
            .replace("url: \"sqlite:///" + dir + "/audit.db\"", "url: \"sqlite:////\"");
    assertThat(
        problems(yaml),
        hasItem(
            startsWith("sinks.a.options.url and landscape.url resolve" + " to the same file /")));
  }
}
