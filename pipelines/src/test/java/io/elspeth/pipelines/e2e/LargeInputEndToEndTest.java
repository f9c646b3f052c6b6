package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source larger than one part of the checkpointed read (4,096 records), through a gate to two
 * sinks and a quarantine sink on the DirectRunner: the file is read in several bundles and each
 * sink writes several spill files, yet every sink file lists its rows in source order, every row is
 * recorded once with one terminal outcome, the artifacts hash the files, and no scratch file is
 * left in the spill directory.
 */
@Tag("e2e")
class LargeInputEndToEndTest {
  private static final int ROWS = 12_500;

  @TempDir Path dir;

  @Test
  void aMultiPartSourceAndMultiRunSinksKeepSourceOrderAndReconcile() throws Exception {
    Path input = dir.resolve("input.csv");
    StringBuilder csv = new StringBuilder("id,amount,note\n");
    for (int i = 0; i < ROWS; i++) {
      String amount = i % 97 == 0 ? "not-a-number" : String.valueOf(i % 2000);
      // Quoted newlines: record boundaries that are not line boundaries.
      String note = i % 13 == 0 ? "\"two\nlines " + i + "\"" : "n" + i;
      csv.append(i).append(',').append(amount).append(',').append(note).append('\n');
    }
    Files.writeString(input, csv);
    Path spill = Files.createDirectories(dir.resolve("spill"));
    Path db = dir.resolve("landscape.db");
    Path settings =
        CliHarness.settings(
            dir,
            """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "amount: int", "note: str"]}
            on_validation_failure: quarantine
        transforms:
          - plugin: field_mapper
            options: {mapping: {amount: value}}
        gates:
          - name: big
            condition: "row['value'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: %s}}
          high: {plugin: csv, options: {path: %s}}
          quarantine: {plugin: csv, options: {path: %s}}
        default_sink: normal
        landscape: {url: "sqlite:///%s"}
        payload_store: {base_path: %s}
        """
                .formatted(
                    input,
                    dir.resolve("normal.csv"),
                    dir.resolve("high.csv"),
                    dir.resolve("quarantine.csv"),
                    db,
                    dir.resolve("payloads")));

    String tmp = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", spill.toString());
    CliHarness.Result r;
    try {
      r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    } finally {
      System.setProperty("java.io.tmpdir", tmp);
    }
    assertThat(r.err(), r.exitCode(), is(0));

    List<Long> normal = ids(dir.resolve("normal.csv"));
    List<Long> high = ids(dir.resolve("high.csv"));
    List<Long> quarantined = ids(dir.resolve("quarantine.csv"));
    assertThat("every row in one sink", normal.size() + high.size() + quarantined.size(), is(ROWS));
    assertThat("quarantined rows", (long) quarantined.size(), is((ROWS + 96L) / 97));
    for (List<Long> sink : List.of(normal, high, quarantined)) {
      assertThat("rows in source order", sink, is(sink.stream().sorted().toList()));
    }
    try (Connection c = CliHarness.landscape(db)) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          "each row recorded once",
          CliHarness.count(c, "SELECT COUNT(*) FROM rows"),
          is((long) ROWS));
      assertThat(
          "row indexes 0..n-1",
          CliHarness.count(
              c,
              "SELECT COUNT(DISTINCT row_index) FROM rows WHERE row_index BETWEEN 0 AND "
                  + (ROWS - 1)),
          is((long) ROWS));
      assertThat(
          "one source_load, completed",
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM"
                  + " operations WHERE operation_type = 'source_load' AND status = 'completed'"),
          is(1L));
      assertThat(
          "one artifact per non-empty sink",
          CliHarness.count(c, "SELECT COUNT(*) FROM artifacts"),
          is(3L));
    }
    try (Stream<Path> left = Files.walk(spill)) {
      assertThat(
          "no scratch run file is left",
          left.filter(Files::isRegularFile)
              .map(f -> spill.relativize(f).toString())
              .filter(f -> f.startsWith("elspeth-spill-"))
              .toList(),
          is(List.of()));
    }
  }

  /** The ids of a sink file in file order (a quoted note may span lines). */
  private static List<Long> ids(Path file) throws Exception {
    List<Long> ids = new ArrayList<>();
    try (var parser =
        org.apache.commons.csv.CSVParser.parse(
            file,
            java.nio.charset.StandardCharsets.UTF_8,
            org.apache.commons.csv.CSVFormat.DEFAULT
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get())) {
      parser.forEach(rec -> ids.add(Long.parseLong(rec.get("id"))));
    }
    return ids;
  }
}
