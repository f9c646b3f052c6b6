package io.elspeth.connectors.sink;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes a sink's gathered tokens with the writer, which it sets up once per DoFn instance (its
 * pool or client) and tears down with the instance.
 */
final class SinkWriteFn extends DoFn<KV<String, Iterable<RawUnionValue>>, AuditRecord> {
  /** The write's own audit records (and every token's when bundles do not spill). */
  static final TupleTag<AuditRecord> WRITTEN = new TupleTag<>("written") {};

  /** The written spill files whose audit records a splittable read emits. */
  static final TupleTag<WrittenSpillFile> TO_AUDIT = new TupleTag<>("to-audit") {};

  private final StepContext ctx;
  private final SinkWriter writer;
  private final String pluginName;
  private final String dir;
  private final boolean spillsPerBundle;
  private final int spillFileTokens;
  private final @Nullable PCollectionView<SinkWriteBarrier.Verdict> barrier;
  private final Counter rowsWritten = Metrics.counter(SinkWrite.class, "rows_written");

  SinkWriteFn(
      StepContext ctx,
      SinkWriter writer,
      String pluginName,
      String dir,
      boolean spillsPerBundle,
      int spillFileTokens,
      @Nullable PCollectionView<SinkWriteBarrier.Verdict> barrier) {
    this.spillFileTokens = spillFileTokens;
    this.barrier = barrier;
    this.ctx = ctx;
    this.writer = writer;
    this.pluginName = pluginName;
    this.dir = dir;
    this.spillsPerBundle = spillsPerBundle;
  }

  @Setup
  public void setup() throws IOException {
    writer.setup();
  }

  @Teardown
  public void teardown() {
    writer.teardown();
  }

  @ProcessElement
  public void process(
      @Element KV<String, Iterable<RawUnionValue>> group, MultiOutputReceiver out, ProcessContext c)
      throws IOException {
    List<SpillFiles.SpillFile> spills = new ArrayList<>();
    if (barrier != null) {
      SinkWriteBarrier.Verdict verdict = c.sideInput(barrier);
      if (verdict.refused() > 0) {
        // Another sink (or this one) cannot write a row: nothing is staged or published.
        if (spillsPerBundle) {
          SinkGroup.spillFiles(group.getValue()).forEach(r -> SpillFiles.delete(r.path()));
        }
        throw new IOException(verdict.message());
      }
    }
    if (spillsPerBundle) {
      spills.addAll(SinkGroup.spillFiles(group.getValue()));
    } else {
      // The runner's group may be larger than memory (Flink streams it, once, from its spilled
      // buffers): sort it into spill files on this worker's disk as it is read.
      spills.addAll(
          SpillFiles.spill(Path.of(dir), SinkGroup.tokens(group.getValue()), spillFileTokens));
    }
    long count = spills.stream().mapToLong(SpillFiles.SpillFile::count).sum();
    Iterable<Token> merged = SpillFiles.merge(spills);
    Iterable<Map<String, Object>> rows = SpillFiles.rows(merged);

    Instant started = Instant.now();
    String operationId = Ids.operationId();
    OperationCalls calls = new OperationCalls(ctx.runId(), operationId);
    Map<String, Object> opInput = new LinkedHashMap<>();
    opInput.put("sink_plugin", pluginName);
    opInput.put("row_count", Math.toIntExact(count));
    SinkWriter.Artifact artifact;
    try {
      artifact = writer.write(rows, calls, LandscapePublisher.of(ctx, writer, spills));
      writer.dataset(ctx.runId()).reportWritten();
    } catch (IOException | RuntimeException e) {
      spills.forEach(r -> SpillFiles.delete(r.path()));
      String message =
          "sink '"
              + ctx.nodeName()
              + "' could not write "
              + writer.target()
              + ": "
              + e.getMessage();
      IOException failure =
          new IOException(
              message + " (sink_write operation " + operationId + " recorded as failed)", e);
      OperationAudit.commitFailure(
          ctx,
          OperationAudit.finished(ctx, operationId, "sink_write", started, opInput, null, message),
          calls,
          failure);
      throw failure;
    }
    Instant done = Instant.now();
    rowsWritten.inc(count);

    OutputReceiver<AuditRecord> audit = out.get(WRITTEN);
    Map<String, Object> opOutput = new LinkedHashMap<>();
    opOutput.put("artifact_path", artifact.pathOrUri());
    opOutput.put("content_hash", artifact.contentHash());
    double totalMs = Duration.between(started, done).toNanos() / 1e6;
    audit.output(
        OperationAudit.finished(ctx, operationId, "sink_write", started, opInput, opOutput, null));
    calls.calls().forEach(audit::output);
    if (count == 0) {
      spills.forEach(r -> SpillFiles.delete(r.path()));
      return;
    }
    Token first = firstInSourceOrder(spills, count);
    String firstStateId = Ids.stateId();
    double perRowMs = totalMs / count;
    for (SpillFiles.SpillFile spill : spills) {
      WrittenSpillFile written =
          new WrittenSpillFile(
              spill.path(),
              spill.count(),
              first.tokenId(),
              firstStateId,
              artifact.artifactType(),
              artifact.pathOrUri(),
              artifact.contentHash(),
              artifact.sizeBytes(),
              started,
              done,
              perRowMs);
      if (spillsPerBundle) {
        out.get(TO_AUDIT).output(written);
      } else {
        // Outputs stream on these runners: emit from the spill file here, on the disk it is on.
        try (SpillFiles.Reader reader = new SpillFiles.Reader(spill.path(), 0)) {
          Token t;
          while ((t = reader.next()) != null) {
            written.emitFor(ctx, t, audit::output);
          }
        }
        SpillFiles.delete(spill.path());
      }
    }
  }

  /** The first token in source order: the head of one of the spill files. */
  private Token firstInSourceOrder(List<SpillFiles.SpillFile> spills, long count)
      throws IOException {
    Token first = null;
    for (SpillFiles.SpillFile spill : spills) {
      try (SpillFiles.Reader reader = new SpillFiles.Reader(spill.path(), 0)) {
        Token head = reader.next();
        if (head != null && (first == null || Token.compareBySourceOrder(head, first) < 0)) {
          first = head;
        }
      }
    }
    if (first == null) {
      throw new IllegalStateException(
          "sink '"
              + ctx.nodeName()
              + "' wrote "
              + count
              + " tokens but none of its spill files has a first token");
    }
    return first;
  }
}
