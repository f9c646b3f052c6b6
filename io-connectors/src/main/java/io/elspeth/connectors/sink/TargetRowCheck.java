package io.elspeth.connectors.sink;

import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Tries all rows of one sink on its target ({@link SinkWriter.TargetCheck}) and outputs the refused
 * ones as {@code token id -> reason}. The check must see every row of the sink at once, in source
 * order, whatever bundles the runner made: a row repeating the key of a row in another bundle must
 * be refused, and the same one (the later in source order) on every runner and attempt. So the
 * sink's tokens are brought to one worker and sorted into source order on its disk as the write
 * itself does ({@link SpillFiles}): on the DirectRunner, which holds a group in memory, each bundle
 * spills its tokens and only the spill files' names are grouped; elsewhere the tokens are grouped
 * (Flink spills a group to disk) and spilled by the worker that checks them.
 */
final class TargetRowCheck extends PTransform<PCollection<Token>, PCollection<KV<String, String>>> {
  private final SinkWriter.TargetCheck check;
  private final StepContext ctx;
  private final SinkWrite.Grouping grouping;

  private TargetRowCheck(
      SinkWriter.TargetCheck check, StepContext ctx, SinkWrite.Grouping grouping) {
    this.check = check;
    this.ctx = ctx;
    this.grouping = grouping;
  }

  static TargetRowCheck of(
      SinkWriter.TargetCheck check, StepContext ctx, SinkWrite.Grouping grouping) {
    return new TargetRowCheck(check, ctx, grouping);
  }

  @Override
  public PCollection<KV<String, String>> expand(PCollection<Token> tokens) {
    String key = ctx.nodeId();
    String dir =
        Path.of(System.getProperty("java.io.tmpdir"))
            .resolve("elspeth-check-" + safe(ctx.runId()) + "-" + safe(key))
            .toString();
    PCollection<KV<String, Iterable<SpillFiles.SpillFile>>> spills;
    if (grouping.spillsPerBundle(tokens.getPipeline().getOptions())) {
      spills =
          tokens
              .apply(
                  "SpillBundles",
                  ParDo.of(new SpillBundleFn(key, dir, SinkWrite.MAX_SPILL_FILE_TOKENS)))
              .setCoder(KvCoder.of(StringUtf8Coder.of(), SpillFiles.SpillFileCoder.of()))
              .apply("GatherSpillFiles", GroupByKey.create());
    } else {
      spills =
          tokens
              .apply("KeyBySink", WithKeys.of(key))
              .setCoder(KvCoder.of(StringUtf8Coder.of(), TokenCoder.of()))
              .apply("GatherTokens", GroupByKey.create())
              .apply("SpillGroup", ParDo.of(new SpillGroupFn(dir)))
              .setCoder(
                  KvCoder.of(
                      StringUtf8Coder.of(), IterableCoder.of(SpillFiles.SpillFileCoder.of())));
    }
    return spills
        .apply("TryRows", ParDo.of(new TryFn(check, ctx.nodeName())))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
  }

  private static String safe(String id) {
    return id.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  /** Sorts a grouped sink's tokens into spill files on this worker's disk. */
  static final class SpillGroupFn
      extends DoFn<KV<String, Iterable<Token>>, KV<String, Iterable<SpillFiles.SpillFile>>> {
    private final String dir;

    SpillGroupFn(String dir) {
      this.dir = dir;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<Token>> group,
        OutputReceiver<KV<String, Iterable<SpillFiles.SpillFile>>> out)
        throws IOException {
      out.output(
          KV.of(
              group.getKey(),
              SpillFiles.spill(Path.of(dir), group.getValue(), SinkWrite.MAX_SPILL_FILE_TOKENS)));
    }
  }

  /**
   * Tries the merged spill files on the target; outputs the refused tokens with the reason. The
   * check is set up once per DoFn instance (the database sink's pool) and torn down with it.
   */
  static final class TryFn
      extends DoFn<KV<String, Iterable<SpillFiles.SpillFile>>, KV<String, String>> {
    private final SinkWriter.TargetCheck check;
    private final String sink;

    TryFn(SinkWriter.TargetCheck check, String sink) {
      this.check = check;
      this.sink = sink;
    }

    @Setup
    public void setup() throws IOException {
      check.setup();
    }

    @Teardown
    public void teardown() {
      check.teardown();
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<SpillFiles.SpillFile>> group,
        OutputReceiver<KV<String, String>> out)
        throws IOException {
      List<SpillFiles.SpillFile> spills = new ArrayList<>();
      group.getValue().forEach(spills::add);
      try {
        Iterable<Token> merged = SpillFiles.merge(spills);
        SortedMap<Long, String> refused;
        try {
          refused = check.refused(SpillFiles.rows(merged));
        } catch (IOException | RuntimeException e) {
          throw new IOException(
              "sink '" + sink + "' cannot try its rows on its target: " + e.getMessage(), e);
        }
        if (refused.isEmpty()) {
          return;
        }
        // Read to the end: a merge closes its files once exhausted.
        long position = 0;
        for (Token t : merged) {
          String reason = refused.get(position++);
          if (reason != null) {
            out.output(KV.of(t.tokenId(), reason));
          }
        }
      } finally {
        spills.forEach(r -> SpillFiles.delete(r.path()));
      }
    }
  }
}
