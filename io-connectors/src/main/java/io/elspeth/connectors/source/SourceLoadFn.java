package io.elspeth.connectors.source;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.plugin.StepContext;
import java.time.Instant;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Records a file's read as one {@code source_load} operation once every part of it has reached its
 * end, with the counts of all its parts: the operation a read in one piece records.
 */
final class SourceLoadFn extends DoFn<KV<String, Iterable<PartCounts>>, AuditRecord> {
  private final StepContext ctx;

  SourceLoadFn(StepContext ctx) {
    this.ctx = ctx;
  }

  @ProcessElement
  public void process(
      @Element KV<String, Iterable<PartCounts>> read, OutputReceiver<AuditRecord> out) {
    String path = null;
    Instant started = null;
    int parts = 0;
    int seen = 0;
    long valid = 0;
    long quarantined = 0;
    long discarded = 0;
    long resumed = 0;
    for (PartCounts p : read.getValue()) {
      path = p.path();
      started = p.started();
      parts = p.parts();
      seen++;
      valid += p.counts().valid();
      quarantined += p.counts().quarantined();
      discarded += p.counts().discarded();
      resumed += p.counts().resumed();
    }
    if (seen != parts || path == null || started == null) {
      // Each part outputs its counts once, when it reaches its end: anything else is a lost or
      // repeated part, whose rows the counts would misstate.
      throw new IllegalStateException(
          "the read of '" + path + "' has " + seen + " part counts for " + parts + " parts");
    }
    out.output(
        OperationAudit.finished(
            ctx,
            read.getKey(),
            "source_load",
            started,
            Map.of("path", path),
            new SourceBoundary.Counts(valid, quarantined, discarded, resumed).asOutput(),
            null));
  }
}
