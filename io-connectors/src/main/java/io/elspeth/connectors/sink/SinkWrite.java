package io.elspeth.connectors.sink;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.ElspethPipelineOptions;
import io.elspeth.plugin.StepContext;
import java.io.Serializable;
import java.nio.file.Path;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
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

  /** Where tokens are spilled: per bundle before grouping, or after grouping the tokens. */
  enum Grouping {
    AUTO,
    SPILL_FILES,
    TOKENS;

    /**
     * Whether each bundle spills its tokens in a pipeline with these options (AUTO: the {@code
     * sinkSpillsPerBundle} option).
     */
    boolean spillsPerBundle(PipelineOptions options) {
      return this == SPILL_FILES
          || (this == AUTO && ElspethPipelineOptions.of(options).getSinkSpillsPerBundle());
    }
  }

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

  /**
   * Where tokens are spilled; AUTO (the sinkSpillsPerBundle pipeline option) unless a test says.
   */
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
            .withOutputTags(SinkWriteFn.WRITTEN, TupleTagList.of(SinkWriteFn.TO_AUDIT));
    PCollectionTuple written =
        tokens
            .apply("Gather", new SinkGroup(key, dir, spillsPerBundle, config.spillFileTokens()))
            .apply("WriteDurably", barrier == null ? write : write.withSideInputs(barrier));
    PCollection<AuditRecord> direct =
        written.get(SinkWriteFn.WRITTEN).setCoder(AuditRecordCoder.of());
    if (!spillsPerBundle) {
      written.get(SinkWriteFn.TO_AUDIT).setCoder(SerializableCoder.of(WrittenSpillFile.class));
      return direct;
    }
    PCollection<AuditRecord> perToken =
        written
            .get(SinkWriteFn.TO_AUDIT)
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
}
