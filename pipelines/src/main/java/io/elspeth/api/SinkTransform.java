package io.elspeth.api;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.sink.SinkRowCheck;
import io.elspeth.connectors.sink.SinkWrite;
import io.elspeth.connectors.sink.SinkWriteBarrier;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SinkPlugin;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.transforms.gate.GateStep;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A sink plugin as a Beam transform with typed options ({@link ElspethSinks}): its options are the
 * plugin's settings options, checked by the plugin's own validator, and its writer is the plugin's
 * own ({@link SinkPlugin#create}). Applied to tokens it runs the settings' sink steps: every row
 * checked against what the sink can write ({@link SinkRowCheck}; one refused row and nothing is
 * published), then written durably ({@link SinkWrite}), giving the audit records (node states,
 * outcomes, the artifact). A token arrives {@code completed} at this sink unless it was routed here
 * (its {@code destination()} is this sink's name). Added to {@link
 * ElspethPipeline.Builder#sink(String, SinkTransform)} it is one of the pipeline's {@code sinks:}.
 *
 * @param <T> the concrete transform, which every {@code withX} returns
 */
public abstract class SinkTransform<T extends SinkTransform<T>>
    extends PTransform<PCollection<Token>, PCollection<AuditRecord>> {
  private static final long serialVersionUID = 1L;

  /** The key a sink entry holds beside {@code plugin}: where rows it cannot write go. */
  static final String ON_WRITE_FAILURE = "on_write_failure";

  private final PluginEntry entry;
  private final @Nullable String name;
  private final @Nullable String onWriteFailure;
  private final @Nullable StepContext context;

  SinkTransform(
      PluginEntry entry,
      @Nullable String name,
      @Nullable String onWriteFailure,
      @Nullable StepContext context) {
    this.entry = Objects.requireNonNull(entry, "entry");
    this.name = name;
    this.onWriteFailure = onWriteFailure;
    this.context = context;
  }

  /** The same transform with these fields; every wither goes through it. */
  abstract T copy(
      PluginEntry entry,
      @Nullable String name,
      @Nullable String onWriteFailure,
      @Nullable StepContext context);

  final T with(String key, Object value) {
    return copy(entry.with(key, value), name, onWriteFailure, context);
  }

  /** This sink with a plugin option set by its settings name (a plain JSON value). */
  public T withOption(String key, Object value) {
    return with(key, value);
  }

  /**
   * The sink's name when applied alone (the plugin's name when not given); in a built pipeline the
   * name is the one given to {@link ElspethPipeline.Builder#sink(String, SinkTransform)}.
   */
  public T named(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("named: expected a non-blank sink name");
    }
    return copy(entry, name, onWriteFailure, context);
  }

  /**
   * Rows this sink cannot write go to sink {@code sink} (in a built pipeline), or are dropped with
   * {@code discard} ({@code on_write_failure}); without it one such row fails the run.
   */
  public T withOnWriteFailure(String sink) {
    return copy(entry, name, Objects.requireNonNull(sink, "sink"), context);
  }

  /** This sink minting its audit records in {@code context} (a run the caller recorded). */
  public T withContext(StepContext context) {
    return copy(entry, name, onWriteFailure, Objects.requireNonNull(context, "context"));
  }

  public String pluginName() {
    return entry.plugin();
  }

  public String sinkName() {
    return name == null ? entry.plugin() : name;
  }

  /** The options set, by their settings names. */
  public Map<String, Object> options() {
    return entry.options();
  }

  /** The sink as a settings file's {@code sinks:} entry. */
  Map<String, Object> settingsEntry() {
    Map<String, Object> out = entry.settingsEntry();
    if (onWriteFailure != null) {
      out.put(ON_WRITE_FAILURE, onWriteFailure);
    }
    return out;
  }

  private SinkPlugin descriptor() {
    return PluginRegistry.installed()
        .sink(entry.plugin())
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no sink plugin named '"
                        + entry.plugin()
                        + "' (installed: "
                        + PluginRegistry.installed().sinkNames()
                        + ")"));
  }

  /**
   * The options checked as the settings validator checks a sink's.
   *
   * @throws IllegalArgumentException listing every problem, each with its option's path
   */
  public PluginOptions validated() {
    return PluginOptionsCheck.validated(
        descriptor(), entry.options(), "sinks." + sinkName() + ".options", Set.of());
  }

  @Override
  public PCollection<AuditRecord> expand(PCollection<Token> input) {
    if (onWriteFailure != null && !StepContext.DISCARD.equals(onWriteFailure)) {
      throw new IllegalArgumentException(
          "sinks."
              + sinkName()
              + "."
              + ON_WRITE_FAILURE
              + ": diverting to sink '"
              + onWriteFailure
              + "' needs that sink, so a built pipeline"
              + " (ElspethPipeline.builder()); applied alone a sink takes only 'discard'");
    }
    SinkPlugin plugin = descriptor();
    SinkWriter writer = plugin.create(validated());
    String sink = sinkName();
    StepContext ctx = context;
    if (ctx == null) {
      Map<String, String> edges = new LinkedHashMap<>();
      edges.put(GateStep.CONTINUE, Ids.edgeId());
      edges.put(SinkRowCheck.FAILSINK_EDGE, Ids.edgeId());
      ctx =
          new StepContext(
              Ids.runId(),
              "sink_" + sink.replaceAll("[^A-Za-z0-9_]", "_"),
              sink,
              2,
              edges,
              onWriteFailure);
    }
    PCollection<Token> arriving =
        input
            .apply(
                "arrive:" + sink,
                MapElements.into(TypeDescriptor.of(Token.class))
                    .via(
                        (Token t) ->
                            sink.equals(t.destination()) ? t : t.routedTo(sink, "completed", null)))
            .setCoder(TokenCoder.of());
    PCollectionTuple checked =
        arriving.apply("sink-check:" + sink, SinkRowCheck.of(writer).withContext(ctx));
    PCollectionView<SinkWriteBarrier.Verdict> barrier =
        SinkWriteBarrier.of(PCollectionList.of(checked.get(SinkRowCheck.REFUSED)));
    PCollection<AuditRecord> written =
        checked
            .get(StepTags.MAIN)
            .apply(
                "sink:" + sink,
                SinkWrite.to(writer)
                    .withPluginName(entry.plugin())
                    .withContext(ctx)
                    .withBarrier(barrier));
    return PCollectionList.of(List.of(checked.get(StepTags.AUDIT), written))
        .apply("audit:" + sink, Flatten.pCollections())
        .setCoder(AuditRecordCoder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    // Only the plugin and the place written: option values may hold keys.
    builder
        .add(DisplayData.item("plugin", entry.plugin()))
        .add(DisplayData.item("sink", sinkName()));
    for (String key : List.of("path", "table", "container", "blob_path")) {
      if (entry.options().get(key) instanceof String value) {
        builder.add(DisplayData.item(key, value));
      }
    }
  }
}
