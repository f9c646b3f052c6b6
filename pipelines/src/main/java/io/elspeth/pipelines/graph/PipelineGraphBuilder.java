package io.elspeth.pipelines.graph;

import io.elspeth.audit.commit.LandscapeCommit;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.Wiring;
import io.elspeth.plugin.ElspethPipelineOptions;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.transforms.dag.AggregationStep;
import io.elspeth.transforms.dag.CoalesceStep;
import io.elspeth.transforms.gate.GateStep;
import io.elspeth.transforms.step.RequiredInputFields;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Partition;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Turns a {@link PipelinePlan} into a Beam pipeline: the source step, then each transform,
 * aggregation, gate and coalesce reading the connection its {@link Wiring} names (a gate's routes
 * and fork paths, a coalesce's branches each a connection of their own), every output named after a
 * sink routed there, every routed token partitioned to its sink's durable write, and every step's
 * audit output flattened into one Landscape commit.
 */
public final class PipelineGraphBuilder {
  /** Buckets rows are spread over after the source; a few per worker thread. */
  static final int SPREAD_BUCKETS = 16;

  /**
   * Buckets for a pipeline with a pooled step (a transform with {@code pool_size} above 1): two per
   * worker, at most {@link #SPREAD_BUCKETS}. Runners bundle per key, and a pooled step must finish
   * every row of a bundle before the bundle ends, so its pool idles while it drains; fewer, larger
   * bundles drain less often (400 rows in 16 buckets are 25-row bundles, and with a pool of 4 their
   * last round runs one call: the step can reach at most 6.25/7 of its pool). Two per worker still
   * lets a worker that finishes early take another bundle.
   */
  static int spreadBuckets(PipelineOptions options, List<RowTransform> transforms) {
    boolean pooled = transforms.stream().anyMatch(t -> t.poolSize() > 1);
    int workers = Math.max(1, options.as(DirectOptions.class).getTargetParallelism());
    return pooled ? Math.min(SPREAD_BUCKETS, 2 * workers) : SPREAD_BUCKETS;
  }

  /**
   * Whether rows are spread over buckets after the source: when the pipeline's {@code
   * spreadRowsAfterSource} option says (by default on a distributed runner, where the per-row work
   * runs in parallel), and always for a pooled step. The DirectRunner's default is off: the
   * source's read is checkpointed into bounded bundles that the runner already processes side by
   * side, while a Reshuffle there is a group it holds in memory until the source ends, which would
   * hold the whole input; a pooled step still needs the buckets to keep its pool busy.
   */
  static boolean spreadsRows(PipelineOptions options, List<RowTransform> transforms) {
    return ElspethPipelineOptions.of(options).getSpreadRowsAfterSource()
        || transforms.stream().anyMatch(t -> t.poolSize() > 1);
  }

  private PipelineGraphBuilder() {}

  /**
   * The connections built so far (connection name to the tokens on it), and the way to a sink: a
   * step's output named after a sink goes there, to be recorded {@code completed} once written (a
   * gate's route to a sink records {@code routed} itself).
   */
  private static final class Outlets {
    private final java.util.Set<String> sinks;
    private final List<PCollection<Token>> routed;
    private final Map<String, PCollection<Token>> connections = new LinkedHashMap<>();

    Outlets(java.util.Set<String> sinks, List<PCollection<Token>> routed) {
      this.sinks = sinks;
      this.routed = routed;
    }

    void write(String name, PCollection<Token> tokens, String producer) {
      if (!sinks.contains(name)) {
        if (connections.putIfAbsent(name, tokens) != null) {
          throw new IllegalStateException("connection '" + name + "' written twice");
        }
        return;
      }
      routed.add(
          tokens
              .apply(
                  "to-sink:" + producer + ":" + name,
                  MapElements.into(TypeDescriptor.of(Token.class))
                      .via((Token t) -> t.routedTo(name, "completed", null)))
              .setCoder(TokenCoder.of()));
    }

    boolean has(String connection) {
      return connections.containsKey(connection);
    }

    PCollection<Token> read(String connection) {
      PCollection<Token> tokens = connections.get(connection);
      if (tokens == null) {
        throw new IllegalStateException("connection '" + connection + "' not built yet");
      }
      return tokens;
    }

    List<String> missing(Wiring wiring) {
      List<String> out = new ArrayList<>();
      wiring.transforms().forEach(t -> out.add(t.input()));
      wiring.aggregations().forEach(a -> out.add(a.input()));
      wiring.gates().forEach(g -> out.add(g.input()));
      wiring.coalesce().forEach(c -> out.addAll(c.branchInputs().values()));
      out.removeIf(connections::containsKey);
      return out;
    }
  }

  /**
   * What a built pipeline offers to assert on: the tokens each sink writes (by sink name, in the
   * settings' order) and every audit record the Landscape commit receives.
   */
  public record Outputs(
      Map<String, PCollection<Token>> sinkTokens, PCollection<AuditRecord> audit) {}

  public static Outputs build(Pipeline pipeline, PipelinePlan plan) {
    return build(pipeline, plan, true);
  }

  /**
   * Builds the pipeline; with {@code commitAudit} false the audit records are made but not
   * committed. Only the benchmark harness uses that, to measure what the Landscape costs.
   */
  public static Outputs build(Pipeline pipeline, PipelinePlan plan, boolean commitAudit) {
    PipelineSettings settings = plan.settings();
    List<PCollection<AuditRecord>> audits = new ArrayList<>();
    List<PCollection<Token>> routed = new ArrayList<>();

    PipelineSettings.Source source = settings.source();
    PCollectionTuple sourced =
        pipeline.apply(
            "source:" + source.plugin(),
            source
                .descriptor()
                .create(source.options(), plan.sourceContext(), plan.sourceInferred()));
    audits.add(sourced.get(StepTags.AUDIT));
    routed.add(sourced.get(StepTags.ROUTED));
    List<PipelinePlan.Node> processing = plan.processing();
    // Run-level retry and rate-limit settings for the transforms that call external services.
    ClientSettings clients = ClientSettings.from(settings.resolved(), plan.runId());
    List<RowTransform> rowTransforms = new ArrayList<>();
    for (PipelineSettings.Transform t : settings.transforms()) {
      rowTransforms.add(rowTransform(t.descriptor(), t.options(), clients));
    }
    PCollection<Token> main = sourced.get(StepTags.MAIN);
    if (spreadsRows(pipeline.getOptions(), rowTransforms)) {
      // A file is read by one worker; spread its rows before the per-row work. A few buckets,
      // not one key per row: runners bundle per key, and per-row keys make one-element bundles.
      main =
          main.apply(
                  "spread-rows",
                  Reshuffle.<Token>viaRandomKey()
                      .withNumBuckets(spreadBuckets(pipeline.getOptions(), rowTransforms)))
              .setCoder(TokenCoder.of());
    }

    // Every step reads the connection its wiring names and its outputs become the connections
    // (or sinks) they name: built in the order rows reach the steps, each once its inputs exist.
    Wiring wiring = settings.wiring();
    Outlets outlets = new Outlets(settings.sinks().keySet(), routed);
    outlets.write(wiring.sourceOutput(), main, "source");
    int count =
        settings.transforms().size()
            + settings.aggregations().size()
            + settings.gates().size()
            + settings.coalesce().size();
    boolean[] built = new boolean[count];
    for (int remaining = count; remaining > 0; ) {
      int before = remaining;
      for (int i = 0; i < settings.transforms().size(); i++) {
        Wiring.Step w = wiring.transforms().get(i);
        if (built[i] || !outlets.has(w.input())) {
          continue;
        }
        PipelineSettings.Transform t = settings.transforms().get(i);
        PCollectionTuple out =
            outlets
                .read(w.input())
                .apply(
                    "transform:" + t.name(),
                    TransformStep.of(rowTransforms.get(i))
                        .withContext(
                            plan.context(processing.get(i), t.onError())
                                .withPayloadStore(settings.payloadStoreBasePath())));
        audits.add(out.get(StepTags.AUDIT));
        routed.add(out.get(StepTags.ROUTED));
        outlets.write(w.output(), out.get(StepTags.MAIN), t.name());
        built[i] = true;
        remaining--;
      }
      int base = settings.transforms().size();
      for (int i = 0; i < settings.aggregations().size(); i++) {
        Wiring.Step w = wiring.aggregations().get(i);
        if (built[base + i] || !outlets.has(w.input())) {
          continue;
        }
        PipelineSettings.Aggregation a = settings.aggregations().get(i);
        PCollectionTuple out =
            outlets
                .read(w.input())
                .apply(
                    "aggregation:" + a.name(),
                    AggregationStep.of(a.descriptor().create(a.options(), clients), a.trigger())
                        .withOutputMode(a.outputMode())
                        .withExpectedOutputCount(a.expectedOutputCount())
                        .withContext(
                            plan.context(plan.aggregationNode(i), a.onError())
                                .withPayloadStore(settings.payloadStoreBasePath())));
        audits.add(out.get(StepTags.AUDIT));
        routed.add(out.get(StepTags.ROUTED));
        outlets.write(w.output(), out.get(StepTags.MAIN), a.name());
        built[base + i] = true;
        remaining--;
      }
      base += settings.aggregations().size();
      for (int i = 0; i < settings.gates().size(); i++) {
        Wiring.GateWires w = wiring.gates().get(i);
        if (built[base + i] || !outlets.has(w.input())) {
          continue;
        }
        PipelineSettings.Gate g = settings.gates().get(i);
        java.util.Set<String> connections = Wiring.connectionRoutes(g, settings.sinks().keySet());
        PCollectionTuple out =
            outlets
                .read(w.input())
                .apply(
                    "gate:" + g.name(),
                    GateStep.of(g.condition(), g.routes())
                        .withForkTo(g.forkTo())
                        .withConnections(connections)
                        .withDeliveredBranches(plan.deliveredForks(plan.gateNode(i).step()))
                        .withContext(plan.context(plan.gateNode(i), null)));
        audits.add(out.get(StepTags.AUDIT));
        routed.add(out.get(StepTags.ROUTED));
        if (w.onContinue() != null) {
          outlets.write(w.onContinue(), out.get(StepTags.MAIN), g.name());
        }
        for (String c : connections) {
          outlets.write(c, out.get(GateStep.connectionTag(c)), g.name() + ":" + c);
        }
        for (String path : g.forkTo()) {
          // A path to a sink ends there: the child completes at that sink.
          outlets.write(
              w.forkOutputs().getOrDefault(path, path),
              out.get(GateStep.branchTag(path)),
              "fork:" + path);
        }
        built[base + i] = true;
        remaining--;
      }
      base += settings.gates().size();
      for (int i = 0; i < settings.coalesce().size(); i++) {
        Wiring.CoalesceWires w = wiring.coalesce().get(i);
        if (built[base + i] || !w.branchInputs().values().stream().allMatch(outlets::has)) {
          continue;
        }
        PipelineSettings.Coalesce c = settings.coalesce().get(i);
        List<PCollection<Token>> inputs = new ArrayList<>();
        c.branches()
            .forEach(
                b ->
                    inputs.add(
                        outlets.read(
                            Objects.requireNonNull(
                                w.branchInputs().get(b),
                                () -> "coalesce '" + c.name() + "' has no input for " + b))));
        PCollectionTuple out =
            PCollectionList.of(inputs)
                .apply(
                    "coalesce:" + c.name(),
                    CoalesceStep.of(c.branches(), c.policy(), c.merge())
                        .withQuorum(c.quorumCount())
                        .withSelectBranch(c.selectBranch())
                        .withTimeoutSeconds(c.timeoutSeconds())
                        .withContext(plan.context(plan.coalesceNode(i), null)));
        audits.add(out.get(StepTags.AUDIT));
        routed.add(out.get(StepTags.ROUTED));
        outlets.write(w.output(), out.get(StepTags.MAIN), c.name());
        built[base + i] = true;
        remaining--;
      }
      if (remaining == before) {
        throw new IllegalStateException(
            "steps of the plan read connections no step writes: " + outlets.missing(wiring));
      }
    }

    List<String> sinkNames = new ArrayList<>(settings.sinks().keySet());
    PCollectionList<Token> bySink =
        PCollectionList.of(routed)
            .apply("all-routed", Flatten.pCollections())
            .apply(
                "by-sink",
                Partition.of(
                    sinkNames.size(),
                    (Token t, int n) -> {
                      int index = sinkNames.indexOf(t.destination());
                      if (index < 0) {
                        throw new IllegalStateException(
                            "token " + t.tokenId() + " routed to unknown sink " + t.destination());
                      }
                      return index;
                    }));
    // Every row is checked against what its sink can write before any sink writes, then each
    // sink writes (SinkSteps, the one way sinks are applied).
    List<SinkSteps.Sink> sinks = new ArrayList<>();
    for (int i = 0; i < sinkNames.size(); i++) {
      PipelineSettings.Sink sink = named(settings.sinks(), sinkNames.get(i), "sink");
      StepContext ctx =
          plan.context(named(plan.sinks(), sink.name(), "sink node"), sink.onWriteFailure())
              .withPayloadStore(settings.payloadStoreBasePath());
      if (!commitAudit) {
        // Nothing is committed, so a sink has no tokens in the Landscape to wait for and no
        // publication to record there: it publishes at once, as a step tested alone does.
        ctx = ctx.withLandscape(null);
      }
      sinks.add(
          new SinkSteps.Sink(
              sink.name(),
              sink.plugin(),
              plan.sinkWriter(sink),
              ctx,
              sink.onWriteFailure(),
              bySink.get(i).setCoder(TokenCoder.of())));
    }
    SinkSteps.Applied applied = SinkSteps.apply(sinks);
    audits.addAll(applied.audit());
    Map<String, PCollection<Token>> writable = applied.writable();
    PCollection<AuditRecord> allAudit =
        PCollectionList.of(audits)
            .apply("all-audit", Flatten.pCollections())
            .setCoder(AuditRecordCoder.of());
    if (commitAudit) {
      allAudit.apply(
          "landscape-commit",
          LandscapeCommit.to(settings.landscape())
              .withMaxBatchSize(settings.landscapeCommitBatchSize())
              .withTelemetry(telemetryWiring(plan)));
    } else {
      allAudit.apply("audit-dropped", Filter.by((AuditRecord r) -> false));
    }
    Map<String, PCollection<Token>> bySinkName = new LinkedHashMap<>();
    sinkNames.forEach(name -> bySinkName.put(name, writable.get(name)));
    return new Outputs(java.util.Collections.unmodifiableMap(bySinkName), allAudit);
  }

  /**
   * The work of one transform plugin with validated {@code options}: the plugin's own row
   * transform, behind the {@code required_input_fields} check when the options name fields. The one
   * way a transform step's work is made, for settings and for the Java API's typed plugins.
   */
  public static RowTransform rowTransform(
      io.elspeth.transforms.step.TransformPlugin plugin,
      io.elspeth.plugin.PluginOptions options,
      ClientSettings clients) {
    RowTransform rowTransform = plugin.create(options, clients);
    List<String> required =
        options.strings(io.elspeth.transforms.local.TransformOptions.REQUIRED_INPUT_FIELDS);
    return required.isEmpty() ? rowTransform : new RequiredInputFields(required, rowTransform);
  }

  /**
   * What the Landscape commit needs to emit row telemetry after each transaction: the run id, the
   * telemetry settings, every node's type and names, every edge's destination name, and the payload
   * store (call payloads at full).
   */
  static LandscapeCommit.TelemetryWiring telemetryWiring(PipelinePlan plan) {
    java.util.Map<String, LandscapeCommit.NodeInfo> nodes = new java.util.HashMap<>();
    java.util.Map<String, String> names = new java.util.HashMap<>();
    for (PipelinePlan.Node n : plan.nodes()) {
      nodes.put(n.nodeId(), new LandscapeCommit.NodeInfo(n.nodeType(), n.name(), n.pluginName()));
      names.put(n.nodeId(), n.name());
    }
    java.util.Map<String, String> destinations = new java.util.HashMap<>();
    for (PipelinePlan.Edge e : plan.edges()) {
      // A gate's continue decision has a routing event too; its telemetry says "continue".
      destinations.put(
          e.edgeId(),
          io.elspeth.transforms.gate.GateStep.CONTINUE.equals(e.label())
              ? io.elspeth.transforms.gate.GateStep.CONTINUE
              : names.getOrDefault(e.to(), e.to()));
    }
    return new LandscapeCommit.TelemetryWiring(
        plan.runId(),
        plan.settings().telemetry(),
        nodes,
        destinations,
        plan.settings().payloadStoreBasePath());
  }

  /** What {@code byName} holds for {@code name}: every sink of validated settings has one. */
  private static <V> V named(Map<String, V> byName, String name, String what) {
    return Objects.requireNonNull(
        byName.get(name), () -> "no " + what + " for sink '" + name + "'");
  }
}
