package io.elspeth.pipelines.graph;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.EdgeRecord;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.Wiring;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.gate.DeliveredBranches;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The DAG of one run, before Beam: node ids (deterministic across runs, as ELSPETH builds them:
 * {@code <prefix>_<name>_<12 hex of the config hash>}), audit step numbers (source 0, then
 * transforms, aggregations, gates and coalesces 1..N in the order rows reach them through the
 * settings' {@link Wiring}, every sink N+1), edges with their labels (a gate route to a further
 * step labelled with the route, fork paths with the path name), and the {@link StepContext} each
 * step mints its records with.
 */
public final class PipelinePlan {
  /** ELSPETH's node id length limit. */
  public static final int MAX_NODE_ID = 64;

  public static final String ENGINE_VERSION = "engine:0.1.0";

  /**
   * One node of the DAG; the contracts are ELSPETH's JSON of the schema contract of the rows the
   * node takes and gives ({@code nodes.input_contract_json} / {@code output_contract_json}), null
   * when the node declares no schema.
   */
  public record Node(
      String nodeId,
      String name,
      String nodeType,
      String pluginName,
      String pluginVersion,
      String determinism,
      int step,
      Map<String, Object> auditConfig,
      String schemaMode,
      @Nullable String inputContractJson,
      @Nullable String outputContractJson) {}

  /** One edge of the DAG. */
  public record Edge(String edgeId, String from, String to, String label, String mode) {}

  /** ELSPETH's current label of a step's edge to the sink its {@code on_success} names. */
  public static final String ON_SUCCESS = "on_success";

  private final String runId;
  private final PipelineSettings settings;
  private final PlanNodes nodes;
  private final List<Edge> edges;

  /** Rows the run being resumed finished, which this run's source skips; null when not resuming. */
  private final java.util.@Nullable BitSet resumedDone;

  /** Per gate step, the fork branches the runs being resumed delivered; empty when not resuming. */
  private final Map<Integer, DeliveredBranches> deliveredForks;

  /** What each sink needs of the runs resumed, by sink name; empty when not resuming. */
  private final Map<String, io.elspeth.plugin.SinkResume> sinkResumes = new LinkedHashMap<>();

  private PipelinePlan(
      PipelinePlan plan,
      java.util.BitSet resumedDone,
      Map<Integer, DeliveredBranches> deliveredForks,
      Map<String, io.elspeth.plugin.SinkResume> sinkResumes) {
    this.runId = plan.runId;
    this.settings = plan.settings;
    this.nodes = plan.nodes;
    this.edges = plan.edges;
    this.resumedDone = (java.util.BitSet) resumedDone.clone();
    this.deliveredForks = Map.copyOf(deliveredForks);
    this.sinkResumes.putAll(sinkResumes);
  }

  /**
   * This plan, for a run that resumes another: its source skips the rows already done, its gates do
   * not fork a row again to the branches {@code deliveredForks} (per gate step) name, and its sinks
   * continue what the resumed runs published ({@code sinkResumes} by sink name).
   */
  public PipelinePlan resuming(
      java.util.BitSet done,
      Map<Integer, DeliveredBranches> deliveredForks,
      Map<String, io.elspeth.plugin.SinkResume> sinkResumes) {
    return new PipelinePlan(this, done, deliveredForks, sinkResumes);
  }

  /** The fork branches of the gate at {@code step} that the runs being resumed delivered. */
  public DeliveredBranches deliveredForks(int step) {
    return deliveredForks.getOrDefault(step, DeliveredBranches.none());
  }

  /** A sink's writer for this run: continuing the resumed runs' output when resuming. */
  public io.elspeth.connectors.sink.SinkWriter sinkWriter(PipelineSettings.Sink sink) {
    io.elspeth.plugin.SinkResume resume = sinkResumes.get(sink.name());
    return resume == null
        ? sink.descriptor().create(sinkOptions(sink))
        : sink.descriptor().createResuming(sinkOptions(sink), resume);
  }

  /** The source's context: the run's payload store, and the rows to skip when resuming. */
  public StepContext sourceContext() {
    StepContext ctx =
        context(nodes.source(), settings.onValidationFailure())
            .withPayloadStore(settings.payloadStoreBasePath());
    return resumedDone == null ? ctx : ctx.withResumedDone(resumedDone);
  }

  /** The output paths of the plan's file sinks (csv and json), as configured. */
  public List<String> fileSinkPaths() {
    List<String> paths = new java.util.ArrayList<>();
    for (PipelineSettings.Sink sink : settings.sinks().values()) {
      Object path = sink.options().asMap().get("path");
      if ((sink.plugin().equals("csv") || sink.plugin().equals("json"))
          && path instanceof String p) {
        paths.add(p);
      }
    }
    return paths;
  }

  /**
   * A sink's options for this run: as configured, except that a resumed run appends to the output
   * of the run it resumes (for sinks that can append: {@code mode} or {@code if_exists}) instead of
   * replacing it.
   */
  public io.elspeth.plugin.PluginOptions sinkOptions(PipelineSettings.Sink sink) {
    // File sinks say it with `mode`, the database sink with `if_exists`.
    List<String> appendKeys =
        sink.descriptor().options().stream()
            .filter(
                o ->
                    (o.name().equals("mode") || o.name().equals("if_exists"))
                        && o.allowedValues().contains("append"))
            .map(o -> o.name())
            .toList();
    if (resumedDone == null || appendKeys.isEmpty()) {
      return sink.options();
    }
    Map<String, Object> values = new LinkedHashMap<>(sink.options().asMap());
    appendKeys.forEach(k -> values.put(k, "append"));
    return new io.elspeth.plugin.PluginOptions(values, sink.options().schema());
  }

  private PipelinePlan(String runId, PipelineSettings settings, SecretFingerprinter secrets) {
    // Node configs name URLs too (base_url, endpoint): the run's extra credential names apply.
    secrets =
        io.elspeth.pipelines.settings.DeclaredSecrets.apply(
            settings,
            secrets.withSecretUrlParams(
                io.elspeth.connectors.client.ClientSettings.secretUrlParams(settings.resolved())));
    this.resumedDone = null;
    this.deliveredForks = Map.of();
    this.runId = runId;
    this.settings = settings;
    this.nodes = PlanNodes.of(settings, secrets);
    this.edges = PlanEdges.of(settings, nodes);
  }

  /** Plans a run of validated settings. */
  public static PipelinePlan of(
      String runId, PipelineSettings settings, SecretFingerprinter secrets) {
    return new PipelinePlan(runId, settings, secrets);
  }

  public String runId() {
    return runId;
  }

  /** The run's schema contract: what the source gives (ELSPETH's runs.schema_contract_json). */
  public io.elspeth.audit.contract.SchemaContractRecord runContract() {
    return nodes.sourceContract();
  }

  /**
   * The field types the source's rows are held to, inferred from its first valid row (current
   * format only); null when nothing was inferred. The same inference as {@link #runContract()}.
   */
  public io.elspeth.connectors.schema.@Nullable InferredFields sourceInferred() {
    return nodes.sourceInferred();
  }

  public PipelineSettings settings() {
    return settings;
  }

  public Node source() {
    return nodes.source();
  }

  /**
   * Transforms, aggregations, gates, then coalesces, as the settings list them; their step numbers
   * say the order rows reach them.
   */
  public List<Node> processing() {
    return nodes.processing();
  }

  /** The node of {@code settings().aggregations().get(i)}. */
  public Node aggregationNode(int i) {
    return nodes.aggregationNode(i);
  }

  /** The node of {@code settings().gates().get(i)}. */
  public Node gateNode(int i) {
    return nodes.gateNode(i);
  }

  /** The node of {@code settings().coalesce().get(i)}. */
  public Node coalesceNode(int i) {
    return nodes.coalesceNode(i);
  }

  public Map<String, Node> sinks() {
    return nodes.sinks();
  }

  public List<Edge> edges() {
    return edges;
  }

  /** All nodes in topological order. */
  public List<Node> nodes() {
    List<Node> all = new ArrayList<>();
    all.add(nodes.source());
    nodes.processing().stream()
        .sorted(java.util.Comparator.comparingInt(Node::step))
        .forEach(all::add);
    all.addAll(nodes.sinks().values());
    return all;
  }

  /** The audit context of a node: its ids, step and outgoing edges. */
  public StepContext context(Node node, @Nullable String onError) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Edge e : edges) {
      if (e.from().equals(node.nodeId())) {
        out.put(e.label(), e.edgeId());
      }
    }
    return new StepContext(runId, node.nodeId(), node.name(), node.step(), out, onError)
        .withLandscape(settings.landscape())
        .withReplay(settings.replaySource(runId));
  }

  /** Node and edge records, registered before any row is processed. */
  public List<io.elspeth.audit.record.AuditRecord> graphRecords(Instant now) {
    List<io.elspeth.audit.record.AuditRecord> records = new ArrayList<>();
    for (Node n : nodes()) {
      records.add(
          new NodeRecord(
              n.nodeId(),
              runId,
              n.pluginName(),
              n.nodeType(),
              n.pluginVersion(),
              n.determinism(),
              CanonicalJson.stableHash(n.auditConfig()),
              CanonicalJson.canonicalize(n.auditConfig()),
              now,
              n.schemaMode(),
              null,
              n.inputContractJson(),
              n.outputContractJson()));
    }
    for (Edge e : edges) {
      records.add(new EdgeRecord(e.edgeId(), runId, e.from(), e.to(), e.label(), e.mode(), now));
    }
    return records;
  }
}
