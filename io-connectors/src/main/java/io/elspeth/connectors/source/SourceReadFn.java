package io.elspeth.connectors.source;

import io.elspeth.audit.commit.AuditBacklog;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.split.ReadClaim;
import io.elspeth.connectors.split.ReadPosition;
import io.elspeth.connectors.split.ReadRange;
import io.elspeth.connectors.split.ReadRangeTracker;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one part of a source file ({@link SourcePart}) through the {@link SourceBoundary}, as a
 * splittable read: the restriction is the position of the next record (byte offset, next row index,
 * the reader's counts and the part's tallies so far), so a runner may checkpoint between two
 * records and resume exactly there, and the DirectRunner, which holds a bundle's outputs in memory,
 * emits the part in bounded bundles. Parts start where the first pass ({@link SourceParts}) found
 * records to start, with the row index they take there: rows are numbered exactly as in a read in
 * one piece.
 *
 * <p>The whole read of a file is one {@code source_load} operation (local file I/O makes no call
 * records): each part outputs its counts on {@link #PARTS} when it reaches its end, and {@link
 * SourceLoadFn} records the operation once it has every part's. A part that fails records that
 * operation, failed, in the Landscape.
 */
@DoFn.BoundedPerElement
final class SourceReadFn extends DoFn<SourcePart, Token> {
  /** The counts of each part that reached its end, keyed by the read's operation id. */
  static final TupleTag<KV<String, PartCounts>> PARTS = new TupleTag<>("source-parts") {};

  private static final Logger LOG = LoggerFactory.getLogger(SourceReadFn.class);

  /** A checkpoint is taken after at least this many records of one process call. */
  static final long MIN_RECORDS_PER_PART = 4096;

  /** ... or after this many bytes. */
  static final long MIN_BYTES_PER_PART = 8L << 20;

  /**
   * Source rows read ahead of the commit in this JVM before a paced read's parts shrink to the
   * runner's checkpoint interval (each row's records, a few KiB, wait on the heap until then).
   */
  static final long MAX_UNCOMMITTED_ROWS = 10_000;

  private final StepContext ctx;
  private final SourceBoundary boundary;
  private final long minRecordsPerPart;
  private final boolean paced;

  /**
   * {@code paced}: the read slows to the commit's pace ({@link AuditBacklog}); only on the
   * DirectRunner, which has no backpressure and runs the commit in this JVM.
   */
  SourceReadFn(StepContext ctx, SourceBoundary boundary, long minRecordsPerPart, boolean paced) {
    this.ctx = ctx;
    this.boundary = boundary;
    this.minRecordsPerPart = minRecordsPerPart;
    this.paced = paced;
  }

  @GetInitialRestriction
  public ReadRange initialRestriction(@Element SourcePart part) {
    return part.range();
  }

  @GetRestrictionCoder
  public ReadRange.Coder restrictionCoder() {
    return ReadRange.Coder.of();
  }

  @NewTracker
  public ReadRangeTracker newTracker(@Restriction ReadRange range) {
    if (!paced) {
      return new ReadRangeTracker(range, minRecordsPerPart, MIN_BYTES_PER_PART);
    }
    String runId = ctx.runId();
    return new ReadRangeTracker(
        range,
        minRecordsPerPart,
        MIN_BYTES_PER_PART,
        () -> AuditBacklog.behind(runId, AuditBacklog.Kind.SOURCE_ROWS, MAX_UNCOMMITTED_ROWS));
  }

  @ProcessElement
  public void process(
      @Element SourcePart part,
      RestrictionTracker<ReadRange, ReadClaim> tracker,
      MultiOutputReceiver out)
      throws IOException {
    ReadRange range = tracker.currentRestriction();
    String path = part.path();
    Map<String, Object> input = Map.of("path", path);
    io.elspeth.connectors.lineage.DatasetName.file(path).reportRead();
    RecordReader.Input opener = FileInput.of(part.file());
    if (range.from().equals(part.range().from())) {
      // Which task reads which part (the thread names the task): whether parts were spread.
      LOG.debug(
          "reading part {} of {} of '{}' from row {} at byte {}",
          part.part() + 1,
          part.parts(),
          path,
          range.from().index(),
          range.from().offset());
    }
    java.util.function.LongConsumer rowsEmitted =
        paced ? AuditBacklog.emitter(ctx.runId(), AuditBacklog.Kind.SOURCE_ROWS) : n -> {};
    try (RecordCursor cursor = boundary.reader().open(opener, range.from())) {
      ReadPosition position = range.from();
      // Whether the part reached its end: its last record claimed, or the end of the file.
      boolean partDone = false;
      ParsedRecord rec;
      while ((rec = cursor.next()) != null) {
        SourceBoundary.Decision d = boundary.decide(rec, position.index());
        ReadPosition next = cursor.after(position).after(d.kind());
        if (!tracker.tryClaim(new ReadClaim(position, next))) {
          // A checkpoint: the read that resumes goes on from here.
          break;
        }
        boundary.emit(d, position.index(), out);
        if (d.kind() != 2) { // every row but a discarded one has a row record
          rowsEmitted.accept(1);
        }
        position = next;
        if (position.offset() >= part.range().end()) {
          // The next part starts here; nothing may be output after a claim that fails.
          partDone = true;
          break;
        }
      }
      if (rec == null) {
        if (!part.last()) {
          throw new IOException(
              "the file ends at byte "
                  + position.offset()
                  + ", before byte "
                  + part.range().end()
                  + " where its first pass found more records: it changed while it was read");
        }
        partDone = tracker.tryClaim(ReadClaim.end(position));
      }
      // Outputs of this call become visible only after it returns: the rows' payloads are
      // durable before any row record can commit.
      boundary.syncPayloads();
      if (partDone) {
        out.get(PARTS)
            .output(
                KV.of(
                    range.operationId(),
                    new PartCounts(path, range.started(), part.parts(), countsOf(position))));
      }
    } catch (IOException | RuntimeException e) {
      // A read error names the file: the reader knows only lines and columns.
      Exception failure =
          e instanceof IOException
              ? new IOException("cannot read '" + input.get("path") + "': " + e.getMessage(), e)
              : e;
      OperationAudit.commitFailure(
          ctx,
          OperationAudit.finished(
              ctx,
              range.operationId(),
              "source_load",
              range.started(),
              input,
              null,
              String.valueOf(failure.getMessage())),
          new OperationCalls(ctx.runId(), range.operationId()),
          failure);
      if (failure instanceof IOException io) {
        throw io;
      }
      throw (RuntimeException) failure;
    }
  }

  private static SourceBoundary.Counts countsOf(ReadPosition p) {
    return new SourceBoundary.Counts(p.valid(), p.quarantined(), p.discarded(), p.resumed());
  }
}
