package io.elspeth.audit.commit;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.testkit.BeamPipelines;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LandscapeCommitTest {
  @TempDir Path dir;

  private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

  private LandscapeUrl prepared() {
    LandscapeUrl url = LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db"));
    try (LandscapeStore store = LandscapeStore.open(url)) {
      store.commit(
          List.of(
              new RunRecord("run1", now, null, "h", "{}", null, "v", null, null, "running"),
              new NodeRecord(
                  "src", "run1", "csv", "source", "1", "io_read", "h", "{}", now, null, null)));
    }
    return url;
  }

  private List<AuditRecord> rows(int n) {
    List<AuditRecord> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(new RowRecord("row" + i, "run1", "src", i, "hash" + i, null, now));
    }
    return rows;
  }

  private long countRows(LandscapeUrl url) throws Exception {
    try (LandscapeStore store = LandscapeStore.open(url);
        Connection c = store.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM rows")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void commitsEveryRecordEvenWithEarlyCommitsAndRepeats() throws Throwable {
    LandscapeUrl url = prepared();
    List<AuditRecord> records = new ArrayList<>(rows(50));
    records.addAll(rows(10)); // a retried bundle re-emits records already written
    BeamPipelines.test(
        p -> {
          p.apply(Create.of(records).withCoder(AuditRecordCoder.of()))
              .apply(LandscapeCommit.to(url).withMaxBatchSize(7));
          p.run().waitUntilFinish();
        });
    assertThat(countRows(url), is(50L));
  }

  @Test
  void aContradictoryRecordFailsThePipeline() {
    LandscapeUrl url = prepared();
    List<AuditRecord> records = new ArrayList<>(rows(3));
    records.add(new RowRecord("row1", "run1", "src", 1, "another-hash", null, now));
    Pipeline.PipelineExecutionException e =
        assertThrows(
            Pipeline.PipelineExecutionException.class,
            () ->
                BeamPipelines.test(
                    p -> {
                      p.apply(Create.of(records).withCoder(AuditRecordCoder.of()))
                          .apply(LandscapeCommit.to(url).withMaxBatchSize(1));
                      p.run().waitUntilFinish();
                    }));
    assertThat(e.getMessage(), containsString("different content"));
  }

  @Test
  void rejectsABatchSizeBelowOne() {
    assertThrows(
        IllegalArgumentException.class, () -> LandscapeCommit.to(prepared()).withMaxBatchSize(0));
  }
}
