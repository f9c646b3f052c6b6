package io.elspeth.api;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.sink.SinkRowCheck;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.pipelines.graph.SinkSteps;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.SinkPlugin;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.gate.GateStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A sink plugin as a Beam transform with typed options ({@link ElspethSinks}): its options are the
 * plugin's settings options, checked by the plugin's own validator, and its writer is the plugin's
 * own ({@link SinkPlugin#create}). Applied to tokens it runs the settings' sink steps ({@link
 * SinkSteps}, with its fallback sink when {@code on_write_failure} names one given as a transform):
 * every row checked against what the sink can write ({@link SinkRowCheck}; one refused row and
 * nothing is published), then written durably, giving the audit records (node states, outcomes, the
 * artifact). A token arrives {@code completed} at this sink unless it was routed here (its {@code
 * destination()} is this sink's name). Added to {@link ElspethPipeline.Builder#sink(String,
 * SinkTransform)} it is one of the pipeline's {@code sinks:}.
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

  /**
   * The sink {@link #onWriteFailure} names, when given as a transform (it is applied with this).
   */
  private final @Nullable SinkTransform<?> fallback;

  private final @Nullable StepContext context;

  SinkTransform(
      PluginEntry entry,
      @Nullable String name,
      @Nullable String onWriteFailure,
      @Nullable SinkTransform<?> fallback,
      @Nullable StepContext context) {
    this.entry = Objects.requireNonNull(entry, "entry");
    this.name = name;
    this.onWriteFailure = onWriteFailure;
    this.fallback = fallback;
    this.context = context;
  }

  /** The same transform with these fields; every wither goes through it. */
  abstract T copy(
      PluginEntry entry,
      @Nullable String name,
      @Nullable String onWriteFailure,
      @Nullable SinkTransform<?> fallback,
      @Nullable StepContext context);

  final T with(String key, Object value) {
    return copy(entry.with(key, value), name, onWriteFailure, fallback, context);
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
    return copy(entry, name, onWriteFailure, fallback, context);
  }

  /**
   * Rows this sink cannot write go to sink {@code sink} of a built pipeline, or are dropped with
   * {@code discard} ({@code on_write_failure}); without it one such row fails the run. Applied
   * alone, a sink diverts to a sink given as a transform ({@link
   * #withOnWriteFailure(SinkTransform)}).
   */
  public T withOnWriteFailure(String sink) {
    return copy(entry, name, Objects.requireNonNull(sink, "sink"), null, context);
  }

  /**
   * Rows this sink cannot write go to {@code sink} ({@code on_write_failure: <its name>}), each
   * with {@code __diversion_reason} and {@code __diverted_from}, recorded {@code diverted} there.
   * Applied alone, this sink applies {@code sink} beside it (the rows reaching it are only the
   * diverted ones); added to a built pipeline, {@code sink} is added as a sink of its own too. The
   * fallback sink itself may only {@code discard} the rows it cannot write, as in a settings file.
   */
  public T withOnWriteFailure(SinkTransform<?> sink) {
    Objects.requireNonNull(sink, "sink");
    return copy(entry, name, sink.sinkName(), sink, context);
  }

  /** This sink minting its audit records in {@code context} (a run the caller recorded). */
  public T withContext(StepContext context) {
    return copy(entry, name, onWriteFailure, fallback, Objects.requireNonNull(context, "context"));
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

  /** The sink {@code on_write_failure} names when it was given as a transform, else null. */
  @Nullable SinkTransform<?> fallback() {
    return fallback;
  }

  @Override
  public PCollection<AuditRecord> expand(PCollection<Token> input) {
    SinkTransform<?> divertTo = fallback;
    if (onWriteFailure != null && !StepContext.DISCARD.equals(onWriteFailure) && divertTo == null) {
      throw new IllegalArgumentException(
          "sinks."
              + sinkName()
              + "."
              + ON_WRITE_FAILURE
              + ": diverting to sink '"
              + onWriteFailure
              + "' needs that sink: give it as a transform"
              + " (withOnWriteFailure(ElspethSinks.json(...).named(\""
              + onWriteFailure
              + "\"))), or build a pipeline (ElspethPipeline.builder())");
    }
    // Every problem before anything is applied.
    validated();
    if (divertTo != null) {
      divertTo.checkFallbackOf(this);
      divertTo.validated();
    }
    String sink = sinkName();
    String runId = context == null ? Ids.runId() : context.runId();
    List<SinkSteps.Sink> sinks = new ArrayList<>();
    sinks.add(stepOf(runId, arriving(input, sink)));
    if (divertTo != null) {
      sinks.add(divertTo.fallbackStep(runId, input.getPipeline()));
    }
    SinkSteps.Applied applied = SinkSteps.apply(sinks);
    return PCollectionList.of(applied.audit())
        .apply("audit:" + sink, Flatten.pCollections())
        .setCoder(AuditRecordCoder.of());
  }

  /** Tokens reaching this sink: {@code completed} here unless a step routed them here. */
  private static PCollection<Token> arriving(PCollection<Token> input, String sink) {
    return input
        .apply(
            "arrive:" + sink,
            MapElements.into(TypeDescriptor.of(Token.class))
                .via(
                    (Token t) ->
                        sink.equals(t.destination()) ? t : t.routedTo(sink, "completed", null)))
        .setCoder(TokenCoder.of());
  }

  /**
   * Whether this sink can be the fallback of {@code diverting}: another sink, itself only
   * discarding the rows it cannot write (as a settings file's fallback sink), in the same run.
   */
  private void checkFallbackOf(SinkTransform<?> diverting) {
    String sink = sinkName();
    if (sink.equals(diverting.sinkName())) {
      throw new IllegalArgumentException(
          "sinks." + sink + "." + ON_WRITE_FAILURE + ": a sink cannot divert to itself");
    }
    if (onWriteFailure != null && !StepContext.DISCARD.equals(onWriteFailure)) {
      throw new IllegalArgumentException(
          "sinks."
              + sink
              + "."
              + ON_WRITE_FAILURE
              + ": sink '"
              + sink
              + "' receives the rows '"
              + diverting.sinkName()
              + "' cannot write, so it may"
              + " only discard the rows it cannot write (on_write_failure: discard, or unset)");
    }
    if ((diverting.context == null) != (context == null)) {
      throw new IllegalArgumentException(
          "sinks."
              + sink
              + ": a fallback sink runs in the run of the sink diverting to it: give both"
              + " withContext, or neither");
    }
  }

  /** This sink as the fallback of a sink of run {@code runId}: it receives only diverted rows. */
  private SinkSteps.Sink fallbackStep(String runId, org.apache.beam.sdk.Pipeline pipeline) {
    String sink = sinkName();
    PCollection<Token> none =
        pipeline.apply("arrive:" + sink, Create.empty(TokenCoder.of())).setCoder(TokenCoder.of());
    return stepOf(runId, none);
  }

  /** This sink's step in run {@code runId} (a run of its own when no context was given). */
  private SinkSteps.Sink stepOf(String runId, PCollection<Token> arriving) {
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
              runId,
              "sink_" + sink.replaceAll("[^A-Za-z0-9_]", "_"),
              sink,
              2,
              edges,
              onWriteFailure);
    }
    return new SinkSteps.Sink(sink, entry.plugin(), writer, ctx, onWriteFailure, arriving);
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
