package io.elspeth.connectors.source;

import io.elspeth.audit.commit.AuditBacklog;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.split.ReadClaim;
import io.elspeth.connectors.split.ReadPosition;
import io.elspeth.connectors.split.ReadRange;
import io.elspeth.connectors.split.ReadRangeTracker;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.time.Instant;
import java.util.Map;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;

/**
 * Reads one source file through the {@link SourceBoundary}, as a splittable read: the restriction
 * is the position of the next record (byte offset, next row index, the reader's counts and the
 * tallies so far), so a runner may checkpoint between two records and resume exactly there, and the
 * DirectRunner, which holds a bundle's outputs in memory, emits the file in bounded bundles. The
 * file is never divided ahead of the read (a CSV record boundary cannot be found by seeking).
 *
 * <p>The whole read is one {@code source_load} operation (local file I/O makes no call records),
 * emitted by the part that reaches the end, with the counts of every part; a read that fails leaves
 * that operation, failed, in the Landscape.
 */
@DoFn.BoundedPerElement
final class SourceReadFn extends DoFn<FileIO.ReadableFile, Token> {
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
  public ReadRange initialRestriction() {
    return ReadRange.whole(ReadPosition.start(0), Ids.operationId(), Instant.now());
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
      @Element FileIO.ReadableFile file,
      RestrictionTracker<ReadRange, ReadClaim> tracker,
      MultiOutputReceiver out)
      throws IOException {
    ReadRange range = tracker.currentRestriction();
    String path = file.getMetadata().resourceId().toString();
    Map<String, Object> input = Map.of("path", path);
    io.elspeth.connectors.lineage.DatasetName.file(path).reportRead();
    RecordReader.Input opener =
        offset -> {
          if (offset == 0) {
            return Channels.newInputStream(file.open());
          }
          if (file.getCompression() == Compression.UNCOMPRESSED
              && file.getMetadata().isReadSeekEfficient()) {
            SeekableByteChannel channel = file.openSeekable();
            channel.position(offset);
            return Channels.newInputStream(channel);
          }
          // Offsets count decompressed bytes: a compressed file is read again up to the offset.
          InputStream in = Channels.newInputStream(file.open());
          in.skipNBytes(offset);
          return in;
        };
    java.util.function.LongConsumer rowsEmitted =
        paced ? AuditBacklog.emitter(ctx.runId(), AuditBacklog.Kind.SOURCE_ROWS) : n -> {};
    try (RecordCursor cursor = boundary.reader().open(opener, range.from())) {
      ReadPosition position = range.from();
      ParsedRecord rec;
      while ((rec = cursor.next()) != null) {
        SourceBoundary.Decision d = boundary.decide(rec, position.index());
        ReadPosition next = cursor.after(position).after(d.kind());
        if (!tracker.tryClaim(new ReadClaim(position, next))) {
          break;
        }
        boundary.emit(d, position.index(), out);
        if (d.kind() != 2) { // every row but a discarded one has a row record
          rowsEmitted.accept(1);
        }
        position = next;
      }
      // Outputs of this call become visible only after it returns: the rows' payloads are
      // durable before any row record can commit.
      boundary.syncPayloads();
      // A read stopped by a checkpoint (rec still set) leaves the end to the part that resumes.
      if (rec == null && tracker.tryClaim(ReadClaim.end(position))) {
        out.get(StepTags.AUDIT)
            .output(
                OperationAudit.finished(
                    ctx,
                    range.operationId(),
                    "source_load",
                    range.started(),
                    input,
                    countsOf(position).asOutput(),
                    null));
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
