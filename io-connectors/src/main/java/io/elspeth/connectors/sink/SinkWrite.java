package io.elspeth.connectors.sink;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.commit.AuditBacklog;
import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.publication.SinkPublications;
import io.elspeth.audit.record.ArtifactRecord;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.audit.record.NodeStateRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.split.ReadClaim;
import io.elspeth.connectors.split.ReadPosition;
import io.elspeth.connectors.split.ReadRange;
import io.elspeth.connectors.split.ReadRangeTracker;
import io.elspeth.plugin.ElspethPipelineOptions;
import io.elspeth.plugin.StepAudit;
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
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
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
 * written as one output file in source order, durably, by the {@link SinkWriter}, and only then are
 * their sink node states, the artifact, the {@code sink_write} operation with the external calls
 * the writer made, and the tokens' outcomes (completed, routed or quarantined) emitted for the
 * Landscape: no outcome exists for output that is not durable.
 *
 * <p>Memory stays bounded whatever the sink receives: tokens are spilled to local scratch files in
 * sorted parts (spill files, in the spill directory: {@code java.io.tmpdir} unless set), the spill
 * files are merged into the output as it is written, and the audit records are emitted from them.
 * On the DirectRunner, which holds a group's contents and a bundle's outputs in memory, each bundle
 * spills its own tokens before only the spill files' names are grouped, and the audit records are
 * emitted by a splittable read of each spill file, in bounded bundles. On other runners (Flink
 * batch groups on disk and streams a step's outputs) the sink's tokens are grouped, then spilled
 * and merged by the one worker that writes, so scratch files never cross machines.
 *
 * <p>The writer has the writing DoFn's lifecycle: {@link SinkWriter#setup()} in its {@code @Setup}
 * (the database sink's connection pool, the blob sink's client, once per DoFn instance) and {@link
 * SinkWriter#teardown()} in its {@code @Teardown}.
 *
 * <p>A write that fails commits its {@code sink_write} operation (failed) and the calls the writer
 * recorded, failed ones included, straight to the run's Landscape, then fails the step: Beam drops
 * what a failed bundle output, and the attempt must stay on record.
 *
 * <p>A sink that receives no rows still writes its (empty) output, so every configured sink has an
 * artifact to reconcile against.
 *
 * <pre>{@code tokens.apply(SinkWrite.to(writer).withContext(ctx).withPluginName("csv"))}</pre>
 */
public final class SinkWrite extends PTransform<PCollection<Token>, PCollection<AuditRecord>> {
  /** Tokens per spill file: what one spilling step holds at most. */
  static final int MAX_SPILL_FILE_TOKENS = 20_000;

  /** Audit records of a spill file are emitted in parts of at least this many tokens. */
  static final long MIN_TOKENS_PER_AUDIT_PART = 2048;

  /**
   * Sink outcomes a run's audit readers may have emitted ahead of the commit in this JVM before
   * their parts shrink to the runner's checkpoint interval (about 2 KiB of records each on the
   * heap: some 40 MiB).
   */
  static final long MAX_UNCOMMITTED_OUTCOMES = 20_000;

  /** How long a sink waits for the Landscape to record its tokens before it publishes. */
  static final java.time.Duration TOKENS_RECORDED_TIMEOUT = java.time.Duration.ofMinutes(10);

  /** Where tokens are spilled: per bundle before grouping, or after grouping the tokens. */
  enum Grouping {
    AUTO,
    SPILL_FILES,
    TOKENS;

    /**
     * Whether each bundle spills its tokens in a pipeline with these options (AUTO: the {@code
     * sinkRunsPerBundle} option, named before spill files were).
     */
    boolean spillsPerBundle(PipelineOptions options) {
      return this == SPILL_FILES
          || (this == AUTO && ElspethPipelineOptions.of(options).getSinkRunsPerBundle());
    }
  }

  private static final TupleTag<AuditRecord> WRITTEN = new TupleTag<>("written") {};
  private static final TupleTag<WrittenSpillFile> TO_AUDIT = new TupleTag<>("to-audit") {};

  /**
   * What a SinkWrite is configured with. Immutable: each {@code withX} returns a new transform
   * holding a copy with one change ({@link #toBuilder()}).
   */
  record Config(
      @Nullable StepContext context,
      SinkWriter writer,
      String pluginName,
      @Nullable String spillDirectory,
      Grouping grouping,
      int spillFileTokens,
      long minTokensPerAuditPart,
      @Nullable PCollectionView<SinkWriteBarrier.Verdict> barrier)
      implements Serializable {
    Builder toBuilder() {
      return new Builder(this);
    }

    /** A copy of a {@link Config} being changed. */
    static final class Builder {
      private @Nullable StepContext context;
      private SinkWriter writer;
      private String pluginName;
      private @Nullable String spillDirectory;
      private Grouping grouping;
      private int spillFileTokens;
      private long minTokensPerAuditPart;
      private @Nullable PCollectionView<SinkWriteBarrier.Verdict> barrier;

      private Builder(Config c) {
        context = c.context;
        writer = c.writer;
        pluginName = c.pluginName;
        spillDirectory = c.spillDirectory;
        grouping = c.grouping;
        spillFileTokens = c.spillFileTokens;
        minTokensPerAuditPart = c.minTokensPerAuditPart;
        barrier = c.barrier;
      }

      Builder context(StepContext value) {
        context = value;
        return this;
      }

      Builder pluginName(String value) {
        pluginName = value;
        return this;
      }

      Builder spillDirectory(String value) {
        spillDirectory = value;
        return this;
      }

      Builder grouping(Grouping value) {
        grouping = value;
        return this;
      }

      Builder spillSizes(int tokensPerSpillFile, long tokensPerAuditPart) {
        spillFileTokens = tokensPerSpillFile;
        minTokensPerAuditPart = tokensPerAuditPart;
        return this;
      }

      Builder barrier(PCollectionView<SinkWriteBarrier.Verdict> value) {
        barrier = value;
        return this;
      }

      Config build() {
        return new Config(
            context,
            writer,
            pluginName,
            spillDirectory,
            grouping,
            spillFileTokens,
            minTokensPerAuditPart,
            barrier);
      }
    }
  }

  private final Config config;

  private SinkWrite(Config config) {
    this.config = config;
  }

  /** Writes a sink's tokens with {@code writer}; {@link #withContext} is required. */
  public static SinkWrite to(SinkWriter writer) {
    checkArgument(writer != null, "SinkWrite.to() needs a writer, got null");
    return new SinkWrite(
        new Config(
            null,
            writer,
            writer.getClass().getSimpleName(),
            null,
            Grouping.AUTO,
            MAX_SPILL_FILE_TOKENS,
            MIN_TOKENS_PER_AUDIT_PART,
            null));
  }

  /** The sink step's context: its run, node, Landscape and payload store. */
  public SinkWrite withContext(StepContext ctx) {
    checkArgument(ctx != null, "withContext() needs a context, got null");
    return new SinkWrite(config.toBuilder().context(ctx).build());
  }

  /** The plugin name recorded in the sink_write operation's input. */
  public SinkWrite withPluginName(String name) {
    checkArgument(name != null && !name.isBlank(), "withPluginName() needs a name, got '%s'", name);
    return new SinkWrite(config.toBuilder().pluginName(name).build());
  }

  /** The local directory for the sink's scratch spill files; {@code java.io.tmpdir} by default. */
  public SinkWrite withSpillDirectory(String directory) {
    checkArgument(
        directory != null && !directory.isBlank(),
        "withSpillDirectory() needs a directory, got '%s'",
        directory);
    return new SinkWrite(config.toBuilder().spillDirectory(directory).build());
  }

  /**
   * Waits for the verdict over every sink's rows ({@link SinkWriteBarrier#of}) before writing, and
   * writes nothing, failing the step with the verdict's message, when a row was refused.
   */
  public SinkWrite withBarrier(PCollectionView<SinkWriteBarrier.Verdict> verdict) {
    checkArgument(verdict != null, "withBarrier() needs the verdict's view, got null");
    return new SinkWrite(config.toBuilder().barrier(verdict).build());
  }

  /** Where tokens are spilled; AUTO (the sinkRunsPerBundle pipeline option) unless a test says. */
  SinkWrite withGrouping(Grouping g) {
    checkArgument(g != null, "withGrouping() needs a grouping, got null");
    return new SinkWrite(config.toBuilder().grouping(g).build());
  }

  /** Small spill files and audit parts, for tests of many spill files. */
  SinkWrite withSpillSizes(int tokensPerSpillFile, long tokensPerAuditPart) {
    checkArgument(
        tokensPerSpillFile > 0,
        "withSpillSizes() needs tokens per spill file > 0," + " got %s",
        tokensPerSpillFile);
    checkArgument(
        tokensPerAuditPart > 0,
        "withSpillSizes() needs tokens per audit part > 0," + " got %s",
        tokensPerAuditPart);
    return new SinkWrite(
        config.toBuilder().spillSizes(tokensPerSpillFile, tokensPerAuditPart).build());
  }

  @Override
  public PCollection<AuditRecord> expand(PCollection<Token> tokens) {
    StepContext context = config.context();
    if (context == null) {
      throw new IllegalStateException("withContext() is required");
    }
    SinkWriter writer = config.writer();
    @Nullable PCollectionView<SinkWriteBarrier.Verdict> barrier = config.barrier();
    String key = context.nodeId();
    String dir =
        Path.of(
                config.spillDirectory() != null
                    ? config.spillDirectory()
                    : System.getProperty("java.io.tmpdir"))
            .resolve("elspeth-spill-" + safe(context.runId()) + "-" + safe(key))
            .toString();
    boolean spillsPerBundle = config.grouping().spillsPerBundle(tokens.getPipeline().getOptions());
    ParDo.MultiOutput<KV<String, Iterable<RawUnionValue>>, AuditRecord> write =
        ParDo.of(
                new SinkWriteFn(
                    context,
                    writer,
                    config.pluginName(),
                    dir,
                    spillsPerBundle,
                    config.spillFileTokens(),
                    barrier))
            .withOutputTags(WRITTEN, TupleTagList.of(TO_AUDIT));
    PCollectionTuple written =
        tokens
            .apply("Gather", new SinkGroup(key, dir, spillsPerBundle, config.spillFileTokens()))
            .apply("WriteDurably", barrier == null ? write : write.withSideInputs(barrier));
    PCollection<AuditRecord> direct = written.get(WRITTEN).setCoder(AuditRecordCoder.of());
    if (!spillsPerBundle) {
      written.get(TO_AUDIT).setCoder(SerializableCoder.of(WrittenSpillFile.class));
      return direct;
    }
    PCollection<AuditRecord> perToken =
        written
            .get(TO_AUDIT)
            .setCoder(SerializableCoder.of(WrittenSpillFile.class))
            .apply(
                "RecordOutcomes",
                ParDo.of(new SpillFileAuditFn(context, config.minTokensPerAuditPart())))
            .setCoder(AuditRecordCoder.of());
    return PCollectionList.of(direct)
        .and(perToken)
        .apply("SinkAudit", Flatten.pCollections())
        .setCoder(AuditRecordCoder.of());
  }

  private static String safe(String id) {
    return id.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("plugin", config.pluginName()))
        .add(DisplayData.item("target", config.writer().target()));
  }

  /**
   * A spill file whose tokens are durably written, with what their audit records need: the write's
   * times, the artifact, and the first token in source order (the artifact's node state).
   */
  record WrittenSpillFile(
      String path,
      long count,
      String firstTokenId,
      String firstStateId,
      String artifactType,
      String artifactPath,
      String contentHash,
      long sizeBytes,
      Instant started,
      Instant done,
      double perRowMs)
      implements Serializable {}

  /** Spills each bundle's tokens as sorted spill files; outputs their names, keyed by sink. */
  static final class SpillBundleFn extends DoFn<Token, KV<String, SpillFiles.SpillFile>> {
    private final String key;
    private final String dir;
    private final int spillFileTokens;
    private transient List<Token> buffer;

    SpillBundleFn(String key, String dir, int spillFileTokens) {
      this.key = key;
      this.dir = dir;
      this.spillFileTokens = spillFileTokens;
    }

    @StartBundle
    public void start() {
      buffer = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element Token token, OutputReceiver<KV<String, SpillFiles.SpillFile>> out)
        throws IOException {
      buffer.add(token);
      if (buffer.size() >= spillFileTokens) {
        out.output(KV.of(key, SpillFiles.write(Path.of(dir), buffer)));
        buffer = new ArrayList<>();
      }
    }

    @FinishBundle
    public void finish(FinishBundleContext c) throws IOException {
      if (!buffer.isEmpty()) {
        c.output(
            KV.of(key, SpillFiles.write(Path.of(dir), buffer)),
            GlobalWindow.INSTANCE.maxTimestamp(),
            GlobalWindow.INSTANCE);
        buffer = new ArrayList<>();
      }
    }
  }

  /**
   * Writes a sink's gathered tokens with the writer, which it sets up once per DoFn instance (its
   * pool or client) and tears down with the instance.
   */
  static final class SinkWriteFn extends DoFn<KV<String, Iterable<RawUnionValue>>, AuditRecord> {
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

    /**
     * The sink's side of the publication protocol: once the output is staged, the manifest of its
     * tokens is written durably beside it and the intent to publish is committed to the Landscape;
     * only then does the writer replace the target. Without a Landscape (a step tested alone) the
     * writer publishes at once.
     */
    private SinkWriter.@Nullable Publisher publisher(List<SpillFiles.SpillFile> spills) {
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
          long tokens = SpillFiles.writeDurable(manifest, SpillFiles.merge(spills));
          DurableFile.syncDirectory(
              Objects.requireNonNull(manifest.getParent(), "a manifest is a file in a directory"));
          SinkWriter.Artifact base = staging.base();
          SinkPublication publication =
              new SinkPublication(
                  publicationId,
                  ctx.runId(),
                  ctx.nodeId(),
                  ctx.nodeName(),
                  ctx.stepIndex(),
                  staging.output().artifactType(),
                  staging.target(),
                  staging.staged(),
                  manifest.toString(),
                  tokens,
                  base == null ? null : base.sizeBytes(),
                  base == null ? null : base.contentHash(),
                  staging.output().sizeBytes(),
                  staging.output().contentHash(),
                  System.currentTimeMillis(),
                  null);
          LandscapeStore store = LandscapeStores.acquire(url);
          try {
            refuseToAppendToALostAttempt(store, staging);
            PublicationRepair.awaitTokensRecorded(
                store, manifest.toString(), ctx.nodeName(), TOKENS_RECORDED_TIMEOUT);
            SinkPublications.record(store, publication);
          } catch (IOException e) {
            java.nio.file.Files.deleteIfExists(manifest);
            throw e;
          } catch (RuntimeException e) {
            java.nio.file.Files.deleteIfExists(manifest);
            throw new IOException(
                "cannot record the publication of "
                    + staging.target()
                    + " in the Landscape: "
                    + e.getMessage(),
                e);
          } finally {
            LandscapeStores.release(url);
          }
        }
      };
    }

    /**
     * Refuses to publish when an earlier attempt of this sink in this run (a task Flink restarted)
     * already published the target and died before the run settled it, and this write appends to
     * that output: the rows would be in the file twice, the earlier attempt's copy under tokens the
     * restarted job replaced. The run fails instead, and a resume finishes it from the Landscape
     * (the repair completes the earlier publication's outcomes). A write that replaces the target
     * replaces the earlier output too, and goes on. A one-step writer (the database sink: no base
     * to compare) asks the target whether the earlier publication committed.
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
        throw new IOException(
            "cannot read the sink publications of run " + ctx.runId() + ": " + e.getMessage(), e);
      }
      for (SinkPublication earlier : unsettled) {
        if (!earlier.nodeId().equals(ctx.nodeId()) || !earlier.target().equals(staging.target())) {
          continue;
        }
        boolean lostOutputIsThere =
            base != null
                ? earlier.newHash().equals(base.contentHash())
                    && !earlier.newHash().equals(earlier.baseHash())
                : earlier.staged() == null
                    && writer.published(earlier.publicationId()).orElse(false);
        if (lostOutputIsThere) {
          throw new IOException(
              "an earlier attempt of this sink in run "
                  + ctx.runId()
                  + " published "
                  + staging.target()
                  + " (publication "
                  + earlier.publicationId()
                  + ") and was lost before the run recorded its outcomes; this attempt appends to"
                  + " that output and would write its rows twice, so it stops: `elspeth resume "
                  + ctx.runId()
                  + "` finishes the run from the Landscape");
        }
      }
    }

    /**
     * Where a publication's manifest goes: beside a staged file (the same folder as the target),
     * else in the run's payload store ({@code sink-manifests/}).
     */
    private Path manifestPath(SinkWriter.Staging staging, String publicationId) throws IOException {
      if (staging.staged() != null) {
        return Path.of(staging.staged())
            .resolveSibling(
                PublicationRepair.manifestName(Path.of(staging.target()), publicationId));
      }
      Path dir =
          Path.of(
                  ctx.payloadStore() != null
                      ? ctx.payloadStore()
                      : System.getProperty("java.io.tmpdir"))
              .resolve("sink-manifests");
      java.nio.file.Files.createDirectories(dir);
      return dir.resolve(publicationId + ".elspeth-manifest");
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<RawUnionValue>> group,
        MultiOutputReceiver out,
        ProcessContext c)
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
        artifact = writer.write(rows, calls, publisher(spills));
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
            OperationAudit.finished(
                ctx, operationId, "sink_write", started, opInput, null, message),
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
          OperationAudit.finished(
              ctx, operationId, "sink_write", started, opInput, opOutput, null));
      calls.calls().forEach(audit::output);
      if (count == 0) {
        spills.forEach(r -> SpillFiles.delete(r.path()));
        return;
      }
      // The first token in source order is the head of one of the spill files.
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
              emitFor(ctx, written, t, audit::output);
            }
          }
          SpillFiles.delete(spill.path());
        }
      }
    }
  }

  /**
   * Emits a written token's sink node state and outcome, and after the first token's state the
   * sink's artifact (which names that state).
   */
  static void emitFor(
      StepContext ctx, WrittenSpillFile written, Token token, Consumer<AuditRecord> out) {
    boolean isFirst = token.tokenId().equals(written.firstTokenId());
    String stateId = isFirst ? written.firstStateId() : Ids.stateId();
    int step = SinkRowCheck.stepIndex(ctx, token);
    Map<String, Object> output = new LinkedHashMap<>();
    output.put("row", token.data());
    output.put("artifact_path", written.artifactPath());
    output.put("content_hash", written.contentHash());
    String inputHash = CanonicalJson.tolerantHash(token.data());
    out.accept(
        new NodeStateRecord(
            stateId,
            token.tokenId(),
            ctx.runId(),
            ctx.nodeId(),
            step,
            0,
            "completed",
            inputHash,
            CanonicalJson.tolerantHash(output),
            null,
            written.perRowMs(),
            null,
            null,
            written.started(),
            written.done(),
            token.rowId()));
    String outcome = token.pendingOutcome() == null ? "completed" : token.pendingOutcome();
    out.accept(
        StepAudit.outcome(ctx.runId(), token, outcome, ctx.nodeName(), token.errorHash(), null));
    if (isFirst) {
      out.accept(
          new ArtifactRecord(
              Ids.artifactId(),
              ctx.runId(),
              written.firstStateId(),
              ctx.nodeId(),
              written.artifactType(),
              written.artifactPath(),
              written.contentHash(),
              written.sizeBytes(),
              null,
              written.done()));
    }
  }

  /**
   * Emits the audit records of one written spill file as a splittable read over the file, so the
   * DirectRunner checkpoints it and no bundle holds a whole sink's records; deletes the file when
   * its last record is out.
   */
  @DoFn.BoundedPerElement
  static final class SpillFileAuditFn extends DoFn<WrittenSpillFile, AuditRecord> {
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
              AuditBacklog.behind(
                  runId, AuditBacklog.Kind.SINK_OUTCOMES, MAX_UNCOMMITTED_OUTCOMES));
    }

    @ProcessElement
    public void process(
        @Element WrittenSpillFile written,
        RestrictionTracker<ReadRange, ReadClaim> tracker,
        OutputReceiver<AuditRecord> out)
        throws IOException {
      ReadPosition position = tracker.currentRestriction().from();
      java.util.function.LongConsumer outcomesEmitted =
          AuditBacklog.emitter(ctx.runId(), AuditBacklog.Kind.SINK_OUTCOMES);
      try (SpillFiles.Reader reader = new SpillFiles.Reader(written.path(), position.offset())) {
        Token t;
        while ((t = reader.next()) != null) {
          ReadPosition next = position.atOffset(reader.offset(), 0, 0).after(0);
          if (!tracker.tryClaim(new ReadClaim(position, next))) {
            return;
          }
          emitFor(ctx, written, t, out::output);
          outcomesEmitted.accept(1);
          position = next;
        }
      }
      if (tracker.tryClaim(ReadClaim.end(position))) {
        SpillFiles.delete(written.path());
      }
    }
  }
}
