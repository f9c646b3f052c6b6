package io.elspeth.audit.retention;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.export.ExportFixture;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PayloadRetentionTest {
  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

  @TempDir Path dir;
  LandscapeStore landscape;
  FilesystemPayloadStore payloads;
  String oldOnly;
  String sharedWithRecent;
  String oldCall;
  String sharedWithInterrupted;
  String recentOnly;

  @BeforeEach
  void twoOldRunsARecentOneAndAnInterruptedOne() {
    landscape = LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")));
    payloads = FilesystemPayloadStore.at(dir.resolve("payloads"));
    oldOnly = payloads.store(bytes("{\"row\":\"old\"}"));
    sharedWithRecent = payloads.store(bytes("{\"row\":\"shared\"}"));
    oldCall = payloads.store(bytes("{\"response\":\"old\"}"));
    sharedWithInterrupted = payloads.store(bytes("{\"row\":\"resumable\"}"));
    recentOnly = payloads.store(bytes("{\"row\":\"recent\"}"));
    Instant old = NOW.minus(Duration.ofDays(40));
    ExportFixture.commitRun(
        landscape,
        "old-completed",
        "completed",
        old,
        old.plusSeconds(60),
        Arrays.asList(oldOnly, sharedWithRecent, null),
        oldCall);
    ExportFixture.commitRun(
        landscape,
        "old-failed",
        "failed",
        old,
        old.plusSeconds(60),
        Arrays.asList(sharedWithInterrupted),
        null);
    ExportFixture.commitRun(
        landscape,
        "old-interrupted",
        "interrupted",
        old,
        old.plusSeconds(60),
        Arrays.asList(sharedWithInterrupted),
        null);
    Instant recent = NOW.minus(Duration.ofDays(3));
    ExportFixture.commitRun(
        landscape,
        "recent",
        "completed",
        recent,
        recent.plusSeconds(60),
        Arrays.asList(sharedWithRecent, recentOnly),
        null);
    ExportFixture.commitRun(
        landscape, "still-running", "running", old, null, Arrays.asList((String) null), null);
  }

  @AfterEach
  void close() {
    landscape.close();
  }

  private PayloadRetention.Plan plan(int days) throws Exception {
    try (Connection c = landscape.connection()) {
      return PayloadRetention.plan(c, days, NOW);
    }
  }

  @Test
  void plansOnlyPayloadsThatNoRunWithinRetentionReferences() throws Exception {
    PayloadRetention.Plan plan = plan(30);

    assertThat(plan.expiredRuns(), contains("old-completed", "old-failed"));
    assertThat(plan.refs(), containsInAnyOrder(oldOnly, oldCall));
    assertThat(plan.keptShared(), is(2));
  }

  @Test
  void aDryRunDeletesNothingAndExecuteDeletesOnlyThePlannedBlobs() throws Exception {
    PayloadRetention.Plan plan = plan(30);
    assertThat(
        List.of(oldOnly, sharedWithRecent, oldCall, sharedWithInterrupted, recentOnly).stream()
            .allMatch(payloads::exists),
        is(true));

    PayloadRetention.Result result = PayloadRetention.purge(payloads, plan.refs());

    assertThat(result.deleted(), is(2));
    assertThat(result.skipped(), is(0));
    assertThat(result.failures(), empty());
    assertThat(payloads.exists(oldOnly), is(false));
    assertThat(payloads.exists(oldCall), is(false));
    for (String kept : List.of(sharedWithRecent, sharedWithInterrupted, recentOnly)) {
      assertThat(kept, payloads.exists(kept), is(true));
    }
    PayloadRetention.Result again = PayloadRetention.purge(payloads, plan.refs());
    assertThat(again.deleted(), is(0));
    assertThat(again.skipped(), is(2));
  }

  @Test
  void purgingKeepsEveryHashAndReferenceInTheLandscape() throws Exception {
    List<String> before = landscapeRows();

    PayloadRetention.purge(payloads, plan(30).refs());

    assertThat(landscapeRows(), is(before));
  }

  @Test
  void aLongerRetentionPurgesNothing() throws Exception {
    PayloadRetention.Plan plan = plan(60);

    assertThat(plan.expiredRuns(), empty());
    assertThat(plan.refs(), empty());
  }

  private List<String> landscapeRows() throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = landscape.connection();
        Statement s = c.createStatement()) {
      for (String sql :
          List.of(
              "SELECT row_id, source_data_hash, source_data_ref FROM rows ORDER BY row_id",
              "SELECT call_id, request_hash, response_hash, response_ref FROM calls ORDER BY call_id",
              "SELECT run_id, status, reproducibility_grade FROM runs ORDER BY run_id")) {
        try (ResultSet rs = s.executeQuery(sql)) {
          while (rs.next()) {
            StringBuilder line = new StringBuilder();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
              line.append(rs.getString(i)).append('|');
            }
            rows.add(line.toString());
          }
        }
      }
    }
    return rows;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
