package io.elspeth.connectors.sink;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.ArtifactRecord;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import io.elspeth.audit.record.AuditRecordCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes every token that reaches one sink, then records what happened. All tokens of the sink
 * are gathered (one output file per sink, in source order), written durably by the
 * {@link SinkWriter}, and only then are their sink node states, the artifact, the
 * {@code sink_write} operation with the external calls the writer made, and the tokens' outcomes
 * (completed, routed or quarantined) emitted for the Landscape: no outcome exists for output that
 * is not durable.
 *
 * <p>A write that fails commits its {@code sink_write} operation (failed) and the calls the writer
 * recorded, failed ones included, straight to the run's Landscape, then fails the step: Beam
 * drops what a failed bundle output, and the attempt must stay on record.
 *
 * <p>A sink that receives no rows still writes its (empty) output, so every configured sink has
 * an artifact to reconcile against.
 */
public final class SinkWrite extends PTransform<PCollection<Token>, PCollection<AuditRecord>> {
  private static final TupleTag<Token> TOKENS = new TupleTag<>("tokens") {};
  private static final TupleTag<Integer> PRESENT = new TupleTag<>("present") {};

  private final @Nullable StepContext context;
  private final @Nullable SinkWriter writer;
  private final String pluginName;

  private SinkWrite(@Nullable StepContext context, @Nullable SinkWriter writer, String pluginName) {
    this.context = context;
    this.writer = writer;
    this.pluginName = pluginName;
  }

  public static SinkWrite to(SinkWriter writer) {
    return new SinkWrite(null, writer, writer.getClass().getSimpleName());
  }

  public SinkWrite withContext(StepContext ctx) {
    return new SinkWrite(ctx, writer, pluginName);
  }

  /** The plugin name recorded in the sink_write operation's input. */
  public SinkWrite withPluginName(String name) {
    return new SinkWrite(context, writer, name);
  }

  @Override
  public PCollection<AuditRecord> expand(PCollection<Token> tokens) {
    if (context == null) {
      throw new IllegalStateException("withContext() is required");
    }
    String key = context.nodeId();
    PCollection<KV<String, Token>> keyed = tokens
        .apply("KeyBySink", WithKeys.of(key))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), TokenCoder.of()));
    PCollection<KV<String, Integer>> present = tokens.getPipeline()
        .apply("SinkPresent", Create.of(KV.of(key, 1))
            .withCoder(KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of())));
    return KeyedPCollectionTuple.of(TOKENS, keyed).and(PRESENT, present)
        .apply("GatherRows", CoGroupByKey.create())
        .apply("WriteDurably", ParDo.of(new SinkWriteFn(context, writer, pluginName)))
        .setCoder(AuditRecordCoder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder.add(DisplayData.item("plugin", pluginName));
    if (writer != null) {
      builder.add(DisplayData.item("target", writer.target()));
    }
  }

  static final class SinkWriteFn extends DoFn<KV<String, CoGbkResult>, AuditRecord> {
    private final StepContext ctx;
    private final SinkWriter writer;
    private final String pluginName;
    private final Counter rowsWritten = Metrics.counter(SinkWrite.class, "rows_written");

    SinkWriteFn(StepContext ctx, SinkWriter writer, String pluginName) {
      this.ctx = ctx;
      this.writer = writer;
      this.pluginName = pluginName;
    }

    @ProcessElement
    public void process(@Element KV<String, CoGbkResult> group, OutputReceiver<AuditRecord> out)
        throws IOException {
      List<Token> tokens = new ArrayList<>();
      group.getValue().getAll(TOKENS).forEach(tokens::add);
      tokens.sort(Token::compareBySourceOrder);
      List<Map<String, Object>> rows = new ArrayList<>(tokens.size());
      tokens.forEach(t -> rows.add(t.data()));

      Instant started = Instant.now();
      String operationId = Ids.operationId();
      OperationCalls calls = new OperationCalls(ctx.runId(), operationId);
      Map<String, Object> opInput = new LinkedHashMap<>();
      opInput.put("sink_plugin", pluginName);
      opInput.put("row_count", rows.size());
      SinkWriter.Artifact artifact;
      try {
        artifact = writer.write(rows, calls);
      } catch (IOException | RuntimeException e) {
        String message = "sink '" + ctx.nodeName() + "' could not write " + writer.target()
            + ": " + e.getMessage();
        IOException failure = new IOException(message + " (sink_write operation " + operationId
            + " recorded as failed)", e);
        OperationAudit.commitFailure(ctx, OperationAudit.finished(ctx, operationId, "sink_write",
            started, opInput, null, message), calls, failure);
        throw failure;
      }
      Instant done = Instant.now();
      rowsWritten.inc(rows.size());

      Map<String, Object> opOutput = new LinkedHashMap<>();
      opOutput.put("artifact_path", artifact.pathOrUri());
      opOutput.put("content_hash", artifact.contentHash());
      double totalMs = Duration.between(started, done).toNanos() / 1e6;
      out.output(OperationAudit.finished(ctx, operationId, "sink_write", started, opInput,
          opOutput, null));
      calls.calls().forEach(out::output);

      String firstStateId = null;
      double perRowMs = tokens.isEmpty() ? 0 : totalMs / tokens.size();
      for (Token token : tokens) {
        String stateId = Ids.stateId();
        if (firstStateId == null) {
          firstStateId = stateId;
        }
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("row", token.data());
        output.put("artifact_path", artifact.pathOrUri());
        output.put("content_hash", artifact.contentHash());
        String inputHash = CanonicalJson.tolerantHash(token.data());
        out.output(new NodeStateRecord(stateId, token.tokenId(), ctx.runId(), ctx.nodeId(),
            ctx.stepIndex(), 0, "completed", inputHash, CanonicalJson.tolerantHash(output), null,
            perRowMs, null, null, started, done, token.rowId()));
        String outcome = token.pendingOutcome() == null ? "completed" : token.pendingOutcome();
        out.output(StepAudit.outcome(ctx.runId(), token, outcome, ctx.nodeName(),
            token.errorHash(), null));
      }
      if (firstStateId != null) {
        out.output(new ArtifactRecord(Ids.artifactId(), ctx.runId(), firstStateId, ctx.nodeId(),
            artifact.artifactType(), artifact.pathOrUri(), artifact.contentHash(),
            artifact.sizeBytes(), null, done));
      }
    }
  }
}
