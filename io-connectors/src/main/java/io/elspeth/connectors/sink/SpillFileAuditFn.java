package io.elspeth.connectors.sink;

import io.elspeth.audit.commit.AuditBacklog;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.split.ReadClaim;
import io.elspeth.connectors.split.ReadPosition;
import io.elspeth.connectors.split.ReadRange;
import io.elspeth.connectors.split.ReadRangeTracker;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.util.function.LongConsumer;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;

/**
 * Emits the audit records of one written spill file as a splittable read over the file, so the
 * DirectRunner checkpoints it and no bundle holds a whole sink's records; deletes the file when its
 * last record is out.
 */
@DoFn.BoundedPerElement
final class SpillFileAuditFn extends DoFn<WrittenSpillFile, AuditRecord> {
  /**
   * Sink outcomes a run's audit readers may have emitted ahead of the commit in this JVM before
   * their parts shrink to the runner's checkpoint interval (about 2 KiB of records each on the
   * heap: some 40 MiB).
   */
  static final long MAX_UNCOMMITTED_OUTCOMES = 20_000;

  private final StepContext ctx;
  private final long minTokensPerPart;

  SpillFileAuditFn(StepContext ctx, long minTokensPerPart) {
    this.ctx = ctx;
    this.minTokensPerPart = minTokensPerPart;
  }

  @GetInitialRestriction
  public ReadRange initialRestriction(@Element WrittenSpillFile written) {
    return ReadRange.whole(ReadPosition.start(0), "", written.done());
  }

  @GetRestrictionCoder
  public ReadRange.Coder restrictionCoder() {
    return ReadRange.Coder.of();
  }

  @NewTracker
  public ReadRangeTracker newTracker(@Restriction ReadRange range) {
    // While the commit is too far behind, a part ends at the runner's next checkpoint try
    // (every 100 outputs on the DirectRunner): the reader slows to what the commit takes.
    String runId = ctx.runId();
    return new ReadRangeTracker(
        range,
        minTokensPerPart,
        8L << 20,
        () ->
            AuditBacklog.behind(runId, AuditBacklog.Kind.SINK_OUTCOMES, MAX_UNCOMMITTED_OUTCOMES));
  }

  @ProcessElement
  public void process(
      @Element WrittenSpillFile written,
      RestrictionTracker<ReadRange, ReadClaim> tracker,
      OutputReceiver<AuditRecord> out)
      throws IOException {
    ReadPosition position = tracker.currentRestriction().from();
    LongConsumer outcomesEmitted =
        AuditBacklog.emitter(ctx.runId(), AuditBacklog.Kind.SINK_OUTCOMES);
    try (SpillFiles.Reader reader = new SpillFiles.Reader(written.path(), position.offset())) {
      Token t;
      while ((t = reader.next()) != null) {
        ReadPosition next = position.atOffset(reader.offset(), 0, 0).after(0);
        if (!tracker.tryClaim(new ReadClaim(position, next))) {
          return;
        }
        written.emitFor(ctx, t, out::output);
        outcomesEmitted.accept(1);
        position = next;
      }
    }
    if (tracker.tryClaim(ReadClaim.end(position))) {
      SpillFiles.delete(written.path());
    }
  }
}
