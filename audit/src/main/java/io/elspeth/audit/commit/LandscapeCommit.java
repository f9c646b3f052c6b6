package io.elspeth.audit.commit;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/**
 * Commits the audit records of a pipeline to the Landscape: records are buffered per bundle and
 * written in one transaction when the bundle finishes, or earlier when the buffer reaches its
 * cap. A failed commit fails the bundle, so the run fails rather than produce output without its
 * audit record.
 *
 * <pre>{@code auditRecords.apply(LandscapeCommit.to(url).withMaxBatchSize(2000));}</pre>
 */
public final class LandscapeCommit extends PTransform<PCollection<AuditRecord>, PDone> {
  public static final int DEFAULT_MAX_BATCH_SIZE = 5000;

  private final LandscapeUrl url;
  private final int maxBatchSize;

  private LandscapeCommit(LandscapeUrl url, int maxBatchSize) {
    this.url = url;
    this.maxBatchSize = maxBatchSize;
  }

  public static LandscapeCommit to(LandscapeUrl url) {
    return new LandscapeCommit(url, DEFAULT_MAX_BATCH_SIZE);
  }

  /** Commits early once a bundle has buffered this many records. */
  public LandscapeCommit withMaxBatchSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("withMaxBatchSize() must be at least 1, got " + size);
    }
    return new LandscapeCommit(url, size);
  }

  @Override
  public PDone expand(PCollection<AuditRecord> input) {
    input.apply("CommitPerBundle", ParDo.of(new CommitFn(url, maxBatchSize)));
    return PDone.in(input.getPipeline());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder.add(DisplayData.item("landscape", url.toString()))
        .add(DisplayData.item("maxBatchSize", maxBatchSize));
  }

  static final class CommitFn extends DoFn<AuditRecord, Void> {
    private final LandscapeUrl url;
    private final int maxBatchSize;
    private final Counter committed = Metrics.counter(LandscapeCommit.class, "records_committed");
    private final Counter transactions = Metrics.counter(LandscapeCommit.class, "transactions");
    private transient LandscapeStore store;
    private transient List<AuditRecord> buffer;

    CommitFn(LandscapeUrl url, int maxBatchSize) {
      this.url = url;
      this.maxBatchSize = maxBatchSize;
    }

    @Setup
    public void setup() {
      store = LandscapeStores.acquire(url);
    }

    @StartBundle
    public void startBundle() {
      buffer = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element AuditRecord record) {
      buffer.add(record);
      if (buffer.size() >= maxBatchSize) {
        flush();
      }
    }

    @FinishBundle
    public void finishBundle() {
      flush();
    }

    private void flush() {
      if (buffer.isEmpty()) {
        return;
      }
      store.commit(buffer);
      committed.inc(buffer.size());
      transactions.inc();
      buffer = new ArrayList<>();
    }

    @Teardown
    public void teardown() {
      if (store != null) {
        LandscapeStores.release(url);
        store = null;
      }
    }
  }
}
