package io.elspeth.connectors.sink;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.commit.AuditBacklog;
import io.elspeth.audit.record.ArtifactRecord;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.publication.SinkPublications;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.split.ReadClaim;
import io.elspeth.connectors.split.ReadPosition;
import io.elspeth.connectors.split.ReadRange;
import io.elspeth.connectors.split.ReadRangeTracker;
import io.elspeth.plugin.StepAudit;
import io.elspeth.plugin.ElspethPipelineOptions;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes every token that reaches one sink, then records what happened. The sink's tokens are
 * written as one output file in source order, durably, by the {@link SinkWriter}, and only then
 * are their sink node states, the artifact, the {@code sink_write} operation with the external
 * calls the writer made, and the tokens' outcomes (completed, routed or quarantined) emitted for
 * the Landscape: no outcome exists for output that is not durable.
 *
 * <p>Memory stays bounded whatever the sink receives: tokens are spilled as sorted runs to local
 * scratch files (the spill directory, {@code java.io.tmpdir} unless set), the runs are merged
 * into the output as it is written, and the audit records are emitted from the run files. On the
 * DirectRunner, which holds a group's contents and a bundle's outputs in memory, each bundle
 * spills its own runs before only their names are grouped, and the audit records are emitted by
 * a splittable read of each run file, in bounded bundles. On other runners (Flink batch groups on
 * disk and streams a step's outputs) the sink's tokens are grouped, then spilled and merged by the
 * one worker that writes, so scratch files never cross machines.
 *
 * <p>A write that fails commits its {@code sink_write} operation (failed) and the calls the writer
 * recorded, failed ones included, straight to the run's Landscape, then fails the step: Beam
 * drops what a failed bundle output, and the attempt must stay on record.
 *
 * <p>A sink that receives no rows still writes its (empty) output, so every configured sink has
 * an artifact to reconcile against.
 */
public final class SinkWrite extends PTransform<PCollection<Token>, PCollection<AuditRecord>> {
  /** Tokens per spilled run: what one spilling step holds at most. */
  static final int MAX_RUN_TOKENS = 20_000;
  /** Audit records of a run are emitted in parts of at least this many tokens. */
  static final long MIN_TOKENS_PER_AUDIT_PART = 2048;
  /**
   * Sink outcomes a run's audit readers may have emitted ahead of the commit in this JVM before
   * their parts shrink to the runner's checkpoint interval (about 2 KiB of records each on the
   * heap: some 40 MiB).
   */
  static final long MAX_UNCOMMITTED_OUTCOMES = 20_000;


  /** How long a sink waits for the Landscape to record its tokens before it publishes. */
  static final java.time.Duration TOKENS_RECORDED_TIMEOUT = java.time.Duration.ofMinutes(10);

  /** Where runs are made: per bundle before grouping, or after grouping the tokens. */
  enum Grouping {
    AUTO, RUNS, TOKENS;

    /** Whether runs are made per bundle in a pipeline with these options (AUTO: the option). */
    boolean runsPerBundle(PipelineOptions options) {
      return this == RUNS
          || (this == AUTO && ElspethPipelineOptions.of(options).getSinkRunsPerBundle());
    }
  }

  private static final TupleTag<Token> TOKENS = new TupleTag<>("tokens") {};
  private static final TupleTag<RunFiles.Run> RUNS = new TupleTag<>("runs") {};
  private static final TupleTag<Integer> PRESENT = new TupleTag<>("present") {};
  private static final TupleTag<AuditRecord> WRITTEN = new TupleTag<>("written") {};
  private static final TupleTag<SinkRun> TO_AUDIT = new TupleTag<>("to-audit") {};

  private final @Nullable StepContext context;
  private final @Nullable SinkWriter writer;
  private final String pluginName;
  private final @Nullable String spillDirectory;
  private final Grouping grouping;
  private int runTokens = MAX_RUN_TOKENS;
  private long minTokensPerAuditPart = MIN_TOKENS_PER_AUDIT_PART;
  private @Nullable PCollectionView<SinkWriteBarrier.Verdict> barrier;

  private SinkWrite(@Nullable StepContext context, @Nullable SinkWriter writer, String pluginName,
      @Nullable String spillDirectory, Grouping grouping) {
    this.context = context;
    this.writer = writer;
    this.pluginName = pluginName;
    this.spillDirectory = spillDirectory;
    this.grouping = grouping;
  }

  public static SinkWrite to(SinkWriter writer) {
    return new SinkWrite(null, writer, writer.getClass().getSimpleName(), null, Grouping.AUTO);
  }

  public SinkWrite withContext(StepContext ctx) {
    return sized(new SinkWrite(ctx, writer, pluginName, spillDirectory, grouping));
  }

  /** The plugin name recorded in the sink_write operation's input. */
  public SinkWrite withPluginName(String name) {
    return sized(new SinkWrite(context, writer, name, spillDirectory, grouping));
  }

  /** The local directory for the sink's scratch run files; {@code java.io.tmpdir} by default. */
  public SinkWrite withSpillDirectory(@Nullable String directory) {
    return sized(new SinkWrite(context, writer, pluginName, directory, grouping));
  }

  /**
   * Waits for the verdict over every sink's rows ({@link SinkWriteBarrier#of}) before writing,
   * and writes nothing, failing the step with the verdict's message, when a row was refused.
   */
  public SinkWrite withBarrier(PCollectionView<SinkWriteBarrier.Verdict> verdict) {
    SinkWrite copy = sized(new SinkWrite(context, writer, pluginName, spillDirectory, grouping));
    copy.barrier = verdict;
    return copy;
  }

  private SinkWrite sized(SinkWrite copy) {
    copy.runTokens = runTokens;
    copy.minTokensPerAuditPart = minTokensPerAuditPart;
    copy.barrier = barrier;
    return copy;
  }

  /** Where runs are made; AUTO (the sinkRunsPerBundle pipeline option) unless a test says. */
  SinkWrite withGrouping(Grouping g) {
    return sized(new SinkWrite(context, writer, pluginName, spillDirectory, g));
  }

  /** Small runs and audit parts, for tests of many runs. */
  SinkWrite withRunSizes(int tokensPerRun, long tokensPerAuditPart) {
    SinkWrite copy = new SinkWrite(context, writer, pluginName, spillDirectory, grouping);
    copy.barrier = barrier;
    copy.runTokens = tokensPerRun;
    copy.minTokensPerAuditPart = tokensPerAuditPart;
    return copy;
  }

  @Override
  public PCollection<AuditRecord> expand(PCollection<Token> tokens) {
    if (context == null) {
      throw new IllegalStateException("withContext() is required");
    }
    if (writer == null) {
      throw new IllegalStateException("a writer is required");
    }
    String key = context.nodeId();
    String dir = Path.of(spillDirectory != null ? spillDirectory
        : System.getProperty("java.io.tmpdir"))
        .resolve("elspeth-spill-" + safe(context.runId()) + "-" + safe(key)).toString();
    boolean runsPerBundle = grouping.runsPerBundle(tokens.getPipeline().getOptions());
    PCollection<KV<String, Integer>> present = tokens.getPipeline()
        .apply("SinkPresent", Create.of(KV.of(key, 1))
            .withCoder(KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of())));
    KeyedPCollectionTuple<String> grouped;
    if (runsPerBundle) {
      PCollection<KV<String, RunFiles.Run>> runs = tokens
          .apply("SpillRuns", ParDo.of(new SpillRunsFn(key, dir, runTokens)))
          .setCoder(KvCoder.of(StringUtf8Coder.of(), RunFiles.RunCoder.of()));
      grouped = KeyedPCollectionTuple.of(RUNS, runs).and(PRESENT, present);
    } else {
      PCollection<KV<String, Token>> keyed = tokens
          .apply("KeyBySink", WithKeys.of(key))
          .setCoder(KvCoder.of(StringUtf8Coder.of(), TokenCoder.of()));
      grouped = KeyedPCollectionTuple.of(TOKENS, keyed).and(PRESENT, present);
    }
    ParDo.MultiOutput<KV<String, CoGbkResult>, AuditRecord> write = ParDo.of(new SinkWriteFn(
        context, writer, pluginName, dir, runsPerBundle, runTokens, barrier))
        .withOutputTags(WRITTEN, TupleTagList.of(TO_AUDIT));
    PCollectionTuple written = grouped
        .apply("GatherRows", CoGroupByKey.create())
        .apply("WriteDurably", barrier == null ? write : write.withSideInputs(barrier));
    PCollection<AuditRecord> direct = written.get(WRITTEN).setCoder(AuditRecordCoder.of());
    if (!runsPerBundle) {
      written.get(TO_AUDIT).setCoder(SerializableCoder.of(SinkRun.class));
      return direct;
    }
    PCollection<AuditRecord> perToken = written.get(TO_AUDIT)
        .setCoder(SerializableCoder.of(SinkRun.class))
        .apply("RecordOutcomes", ParDo.of(new RunAuditFn(context, minTokensPerAuditPart)))
        .setCoder(AuditRecordCoder.of());
    return PCollectionList.of(direct).and(perToken)
        .apply("SinkAudit", Flatten.pCollections())
        .setCoder(AuditRecordCoder.of());
  }

  private static String safe(String id) {
    return id.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder.add(DisplayData.item("plugin", pluginName));
    if (writer != null) {
      builder.add(DisplayData.item("target", writer.target()));
    }
  }

  /**
   * A run file whose tokens are durably written, with what their audit records need: the write's
   * times, the artifact, and the first token in source order (the artifact's node state).
   */
  record SinkRun(String path, long count, String firstTokenId, String firstStateId,
      String artifactType, String artifactPath, String contentHash, long sizeBytes,
      Instant started, Instant done, double perRowMs) implements Serializable {}

  /** Spills each bundle's tokens as sorted runs; outputs the runs' names, keyed by sink. */
  static final class SpillRunsFn extends DoFn<Token, KV<String, RunFiles.Run>> {
    private final String key;
    private final String dir;
    private final int runTokens;
    private transient List<Token> buffer;

    SpillRunsFn(String key, String dir, int runTokens) {
      this.key = key;
      this.dir = dir;
      this.runTokens = runTokens;
    }

    @StartBundle
    public void start() {
      buffer = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element Token token, OutputReceiver<KV<String, RunFiles.Run>> out)
        throws IOException {
      buffer.add(token);
      if (buffer.size() >= runTokens) {
        out.output(KV.of(key, RunFiles.write(Path.of(dir), buffer)));
        buffer = new ArrayList<>();
      }
    }

    @FinishBundle
    public void finish(FinishBundleContext c) throws IOException {
      if (!buffer.isEmpty()) {
        c.output(KV.of(key, RunFiles.write(Path.of(dir), buffer)),
            GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
        buffer = new ArrayList<>();
      }
    }
  }

  static final class SinkWriteFn extends DoFn<KV<String, CoGbkResult>, AuditRecord> {
    private final StepContext ctx;
    private final SinkWriter writer;
    private final String pluginName;
    private final String dir;
    private final boolean runsPerBundle;
    private final int runTokens;
    private final @Nullable PCollectionView<SinkWriteBarrier.Verdict> barrier;
    private final Counter rowsWritten = Metrics.counter(SinkWrite.class, "rows_written");

    SinkWriteFn(StepContext ctx, SinkWriter writer, String pluginName, String dir,
        boolean runsPerBundle, int runTokens,
        @Nullable PCollectionView<SinkWriteBarrier.Verdict> barrier) {
      this.runTokens = runTokens;
      this.barrier = barrier;
      this.ctx = ctx;
      this.writer = writer;
      this.pluginName = pluginName;
      this.dir = dir;
      this.runsPerBundle = runsPerBundle;
    }

    /**
     * The sink's side of the publication protocol: once the output is staged, the manifest of
     * its tokens is written durably beside it and the intent to publish is committed to the
     * Landscape; only then does the writer replace the target. Without a Landscape (a step tested
     * alone) the writer publishes at once.
     */
    private SinkWriter.@Nullable Publisher publisher(List<RunFiles.Run> runs) {
      LandscapeUrl url = ctx.landscape();
      if (url == null) {
        return null;
      }
      String publicationId = Ids.groupId();
      return new SinkWriter.Publisher() {
        @Override
        public String publicationId() {
          return publicationId;
        }

        @Override
        public void beforePublish(SinkWriter.Staging staging) throws IOException {
          Path manifest = manifestPath(staging, publicationId);
          long tokens = RunFiles.writeDurable(manifest, RunFiles.merge(runs));
          DurableFile.syncDirectory(manifest.getParent());
          SinkWriter.Artifact base = staging.base();
          SinkPublication publication = new SinkPublication(publicationId, ctx.runId(),
              ctx.nodeId(), ctx.nodeName(), ctx.stepIndex(), staging.output().artifactType(),
              staging.target(), staging.staged(), manifest.toString(), tokens,
              base == null ? null : base.sizeBytes(), base == null ? null : base.contentHash(),
              staging.output().sizeBytes(), staging.output().contentHash(),
              System.currentTimeMillis(), null);
          LandscapeStore store = LandscapeStores.acquire(url);
          try {
            refuseToAppendToALostAttempt(store, staging);
            PublicationRepair.awaitTokensRecorded(store, manifest.toString(), ctx.nodeName(),
                TOKENS_RECORDED_TIMEOUT);
            SinkPublications.record(store, publication);
          } catch (IOException e) {
            java.nio.file.Files.deleteIfExists(manifest);
            throw e;
          } catch (RuntimeException e) {
            java.nio.file.Files.deleteIfExists(manifest);
            throw new IOException("cannot record the publication of " + staging.target()
                + " in the Landscape: " + e.getMessage(), e);
          } finally {
            LandscapeStores.release(url);
          }
        }
      };
    }

    /**
     * Refuses to publish when an earlier attempt of this sink in this run (a task Flink restarted)
     * already published the target and died before the run settled it, and this write appends to
     * that output: the rows would be in the file twice, the earlier attempt's copy under tokens
     * the restarted job replaced. The run fails instead, and a resume finishes it from the
     * Landscape (the repair completes the earlier publication's outcomes). A write that replaces
     * the target replaces the earlier output too, and goes on. A one-step writer (the database
     * sink: no base to compare) asks the target whether the earlier publication committed.
     */
    private void refuseToAppendToALostAttempt(LandscapeStore store, SinkWriter.Staging staging)
        throws IOException {
      SinkWriter.Artifact base = staging.base();
      if (!writer.appends()) {
        return;
      }
      List<SinkPublication> unsettled;
      try (java.sql.Connection c = store.connection()) {
        unsettled = SinkPublications.unsettled(c, ctx.runId());
      } catch (java.sql.SQLException e) {
        throw new IOException("cannot read the sink publications of run " + ctx.runId() + ": "
            + e.getMessage(), e);
      }
      for (SinkPublication earlier : unsettled) {
        if (!earlier.nodeId().equals(ctx.nodeId()) || !earlier.target().equals(staging.target())) {
          continue;
        }
        boolean lostOutputIsThere = base != null
            ? earlier.newHash().equals(base.contentHash())
                && !earlier.newHash().equals(earlier.baseHash())
            : earlier.staged() == null
                && writer.published(earlier.publicationId()).orElse(false);
        if (lostOutputIsThere) {
          throw new IOException("an earlier attempt of this sink in run " + ctx.runId()
              + " published " + staging.target() + " (publication " + earlier.publicationId()
              + ") and was lost before the run recorded its outcomes; this attempt appends to"
              + " that output and would write its rows twice, so it stops: `elspeth resume "
              + ctx.runId() + "` finishes the run from the Landscape");
        }
      }
    }

    /**
     * Where a publication's manifest goes: beside a staged file (the same folder as the target),
     * else in the run's payload store ({@code sink-manifests/}).
     */
    private Path manifestPath(SinkWriter.Staging staging, String publicationId)
        throws IOException {
      if (staging.staged() != null) {
        return Path.of(staging.staged()).resolveSibling(
            PublicationRepair.manifestName(Path.of(staging.target()), publicationId));
      }
      Path dir = Path.of(ctx.payloadStore() != null ? ctx.payloadStore()
          : System.getProperty("java.io.tmpdir")).resolve("sink-manifests");
      java.nio.file.Files.createDirectories(dir);
      return dir.resolve(publicationId + ".elspeth-manifest");
    }

    @ProcessElement
    public void process(@Element KV<String, CoGbkResult> group, MultiOutputReceiver out,
        ProcessContext c) throws IOException {
      List<RunFiles.Run> runs = new ArrayList<>();
      if (barrier != null) {
        SinkWriteBarrier.Verdict verdict = c.sideInput(barrier);
        if (verdict.refused() > 0) {
          // Another sink (or this one) cannot write a row: nothing is staged or published.
          if (runsPerBundle) {
            group.getValue().getAll(RUNS).forEach(r -> RunFiles.delete(r.path()));
          }
          throw new IOException(verdict.message());
        }
      }
      if (runsPerBundle) {
        group.getValue().getAll(RUNS).forEach(runs::add);
      } else {
        // The runner's group may be larger than memory (Flink's is spilled and re-iterable):
        // sort it in runs on this worker's disk.
        runs.addAll(RunFiles.spill(Path.of(dir), group.getValue().getAll(TOKENS), runTokens));
      }
      long count = runs.stream().mapToLong(RunFiles.Run::count).sum();
      Iterable<Token> merged = RunFiles.merge(runs);
      Iterable<Map<String, Object>> rows = RunFiles.rows(merged);

      Instant started = Instant.now();
      String operationId = Ids.operationId();
      OperationCalls calls = new OperationCalls(ctx.runId(), operationId);
      Map<String, Object> opInput = new LinkedHashMap<>();
      opInput.put("sink_plugin", pluginName);
      opInput.put("row_count", Math.toIntExact(count));
      SinkWriter.Artifact artifact;
      try {
        artifact = writer.write(rows, calls, publisher(runs));
        writer.dataset(ctx.runId()).reportWritten();
      } catch (IOException | RuntimeException e) {
        runs.forEach(r -> RunFiles.delete(r.path()));
        String message = "sink '" + ctx.nodeName() + "' could not write " + writer.target()
            + ": " + e.getMessage();
        IOException failure = new IOException(message + " (sink_write operation " + operationId
            + " recorded as failed)", e);
        OperationAudit.commitFailure(ctx, OperationAudit.finished(ctx, operationId, "sink_write",
            started, opInput, null, message), calls, failure);
        throw failure;
      }
      Instant done = Instant.now();
      rowsWritten.inc(count);

      OutputReceiver<AuditRecord> audit = out.get(WRITTEN);
      Map<String, Object> opOutput = new LinkedHashMap<>();
      opOutput.put("artifact_path", artifact.pathOrUri());
      opOutput.put("content_hash", artifact.contentHash());
      double totalMs = Duration.between(started, done).toNanos() / 1e6;
      audit.output(OperationAudit.finished(ctx, operationId, "sink_write", started, opInput,
          opOutput, null));
      calls.calls().forEach(audit::output);
      if (count == 0) {
        runs.forEach(r -> RunFiles.delete(r.path()));
        return;
      }
      // The first token in source order is the head of one of the runs.
      Token first = null;
      for (RunFiles.Run run : runs) {
        try (RunFiles.Reader reader = new RunFiles.Reader(run.path(), 0)) {
          Token head = reader.next();
          if (head != null && (first == null || Token.compareBySourceOrder(head, first) < 0)) {
            first = head;
          }
        }
      }
      String firstStateId = Ids.stateId();
      double perRowMs = totalMs / count;
      for (RunFiles.Run run : runs) {
        SinkRun sinkRun = new SinkRun(run.path(), run.count(), first.tokenId(), firstStateId,
            artifact.artifactType(), artifact.pathOrUri(), artifact.contentHash(),
            artifact.sizeBytes(), started, done, perRowMs);
        if (runsPerBundle) {
          out.get(TO_AUDIT).output(sinkRun);
        } else {
          // Outputs stream on these runners: emit from the run file here, on the disk it is on.
          try (RunFiles.Reader reader = new RunFiles.Reader(run.path(), 0)) {
            Token t;
            while ((t = reader.next()) != null) {
              emitFor(ctx, sinkRun, t, audit::output);
            }
          }
          RunFiles.delete(run.path());
        }
      }
    }
  }

  /**
   * Emits a written token's sink node state and outcome, and after the first token's state the
   * sink's artifact (which names that state).
   */
  static void emitFor(StepContext ctx, SinkRun run, Token token, Consumer<AuditRecord> out) {
    boolean isFirst = token.tokenId().equals(run.firstTokenId());
    String stateId = isFirst ? run.firstStateId() : Ids.stateId();
    int step = SinkRowCheck.stepIndex(ctx, token);
    Map<String, Object> output = new LinkedHashMap<>();
    output.put("row", token.data());
    output.put("artifact_path", run.artifactPath());
    output.put("content_hash", run.contentHash());
    String inputHash = CanonicalJson.tolerantHash(token.data());
    out.accept(new NodeStateRecord(stateId, token.tokenId(), ctx.runId(), ctx.nodeId(),
        step, 0, "completed", inputHash, CanonicalJson.tolerantHash(output), null,
        run.perRowMs(), null, null, run.started(), run.done(), token.rowId()));
    String outcome = token.pendingOutcome() == null ? "completed" : token.pendingOutcome();
    out.accept(StepAudit.outcome(ctx.runId(), token, outcome, ctx.nodeName(),
        token.errorHash(), null));
    if (isFirst) {
      out.accept(new ArtifactRecord(Ids.artifactId(), ctx.runId(), run.firstStateId(),
          ctx.nodeId(), run.artifactType(), run.artifactPath(), run.contentHash(),
          run.sizeBytes(), null, run.done()));
    }
  }

  /**
   * Emits the audit records of one written run file as a splittable read over the file, so the
   * DirectRunner checkpoints it and no bundle holds a whole sink's records; deletes the file when
   * its last record is out.
   */
  @DoFn.BoundedPerElement
  static final class RunAuditFn extends DoFn<SinkRun, AuditRecord> {
    private final StepContext ctx;
    private final long minTokensPerPart;

    RunAuditFn(StepContext ctx, long minTokensPerPart) {
      this.ctx = ctx;
      this.minTokensPerPart = minTokensPerPart;
    }

    @GetInitialRestriction
    public ReadRange initialRestriction(@Element SinkRun run) {
      return ReadRange.whole(ReadPosition.start(0), "", run.done());
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
      return new ReadRangeTracker(range, minTokensPerPart, 8L << 20,
          () -> AuditBacklog.behind(runId, AuditBacklog.Kind.SINK_OUTCOMES,
              MAX_UNCOMMITTED_OUTCOMES));
    }

    @ProcessElement
    public void process(@Element SinkRun run, RestrictionTracker<ReadRange, ReadClaim> tracker,
        OutputReceiver<AuditRecord> out) throws IOException {
      ReadPosition position = tracker.currentRestriction().from();
      java.util.function.LongConsumer outcomesEmitted =
          AuditBacklog.emitter(ctx.runId(), AuditBacklog.Kind.SINK_OUTCOMES);
      try (RunFiles.Reader reader = new RunFiles.Reader(run.path(), position.offset())) {
        Token t;
        while ((t = reader.next()) != null) {
          ReadPosition next = position.atOffset(reader.offset(), 0, 0).after(0);
          if (!tracker.tryClaim(new ReadClaim(position, next))) {
            return;
          }
          emitFor(ctx, run, t, out::output);
          outcomesEmitted.accept(1);
          position = next;
        }
      }
      if (tracker.tryClaim(ReadClaim.end(position))) {
        RunFiles.delete(run.path());
      }
    }
  }
}
