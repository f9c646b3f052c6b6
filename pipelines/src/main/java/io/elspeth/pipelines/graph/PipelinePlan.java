package io.elspeth.pipelines.graph;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.EdgeRecord;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.audit.token.Ids;
import io.elspeth.connectors.sink.SinkRowCheck;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.Wiring;
import io.elspeth.plugin.PluginDescriptor;
import io.elspeth.plugin.StepContext;
import io.elspeth.transforms.gate.DeliveredBranches;
import io.elspeth.transforms.gate.GateStep;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
  private final Node source;
  private final io.elspeth.audit.contract.SchemaContractRecord sourceContract;
  private final List<Node> processing = new ArrayList<>();
  private final Map<String, Node> sinks = new LinkedHashMap<>();
  private final List<Edge> edges = new ArrayList<>();

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
    this.source = plan.source;
    this.sourceContract = plan.sourceContract;
    this.processing.addAll(plan.processing);
    this.sinks.putAll(plan.sinks);
    this.edges.addAll(plan.edges);
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
        context(source, settings.onValidationFailure())
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
    Set<String> ids = new HashSet<>();
    PipelineSettings.Source s = settings.source();
    // What the source gives is the run's contract (runs.schema_contract_json): with what ELSPETH
    // infers from its first valid row, read now (the source's read holds later rows to it).
    this.sourceContract = SchemaContracts.ofSource(s.options().schema(), inferred(s));
    source =
        node(
            "source",
            s.plugin(),
            "source",
            s.plugin(),
            s.descriptor(),
            0,
            s.config(),
            secrets,
            ids,
            s.options().schema().mode().configName(),
            null,
            sourceContract.toJson());
    Wiring wiring = settings.wiring();
    // Steps are numbered in the order rows reach them (a step after the steps it reads from).
    List<Integer> steps = stepNumbers(settings, wiring);
    int next = 0;
    for (PipelineSettings.Transform t : settings.transforms()) {
      processing.add(
          node(
              "transform",
              t.name(),
              "transform",
              t.plugin(),
              t.descriptor(),
              steps.get(next++),
              t.config(),
              secrets,
              ids,
              t.options().schema().mode().configName(),
              SchemaContracts.of(t.options().schema()).toJson(),
              null));
    }
    for (PipelineSettings.Aggregation a : settings.aggregations()) {
      processing.add(
          node(
              "aggregation",
              a.name(),
              "aggregation",
              a.plugin(),
              a.descriptor(),
              steps.get(next++),
              a.config(),
              secrets,
              ids,
              a.options().schema().mode().configName(),
              SchemaContracts.of(a.options().schema()).toJson(),
              null));
    }
    for (PipelineSettings.Gate g : settings.gates()) {
      Map<String, Object> config = new LinkedHashMap<>();
      config.put("condition", g.condition().source());
      config.put("routes", g.routes());
      if (!g.forkTo().isEmpty()) {
        config.put("fork_to", g.forkTo());
      }
      // ELSPETH names a config gate's plugin after the gate (config_gate:NAME), so that two
      // gates of one run are told apart by plugin name too.
      processing.add(
          new Node(
              id("config_gate", g.name(), config, ids),
              g.name(),
              "gate",
              "config_gate:" + g.name(),
              ENGINE_VERSION,
              "deterministic",
              steps.get(next++),
              config,
              "dynamic",
              null,
              null));
    }
    for (PipelineSettings.Coalesce c : settings.coalesce()) {
      processing.add(
          new Node(
              id("coalesce", c.name(), c.config(), ids),
              c.name(),
              "coalesce",
              "coalesce",
              ENGINE_VERSION,
              "deterministic",
              steps.get(next++),
              c.config(),
              "dynamic",
              null,
              null));
    }
    int sinkStep = processing.size() + 1;
    for (PipelineSettings.Sink k : settings.sinks().values()) {
      sinks.put(
          k.name(),
          node(
              "sink",
              k.name(),
              "sink",
              k.plugin(),
              k.descriptor(),
              sinkStep,
              k.config(),
              secrets,
              ids,
              k.options().schema().mode().configName(),
              SchemaContracts.of(k.options().schema()).toJson(),
              null));
    }
    // Each output goes to the sink of its name or to the step reading the connection.
    Map<String, Node> readers = new LinkedHashMap<>();
    for (int i = 0; i < wiring.transforms().size(); i++) {
      readers.put(wiring.transforms().get(i).input(), processing.get(i));
    }
    for (int i = 0; i < wiring.aggregations().size(); i++) {
      readers.put(wiring.aggregations().get(i).input(), aggregationNode(i));
    }
    for (int i = 0; i < wiring.gates().size(); i++) {
      readers.put(wiring.gates().get(i).input(), gateNode(i));
    }
    for (int i = 0; i < wiring.coalesce().size(); i++) {
      Node join = coalesceNode(i);
      wiring.coalesce().get(i).branchInputs().values().forEach(c -> readers.put(c, join));
    }
    // ELSPETH's current DAG builder labels a step's edge to a sink "on_success" (the key that
    // named it) and an edge to a further step "continue"; RC2 labels both "continue".
    String toSink = settings.connections() != null ? ON_SUCCESS : GateStep.CONTINUE;
    output(source, wiring.sourceOutput(), toSink, readers);
    for (int i = 0; i < wiring.transforms().size(); i++) {
      output(processing.get(i), wiring.transforms().get(i).output(), toSink, readers);
    }
    for (int i = 0; i < wiring.aggregations().size(); i++) {
      output(aggregationNode(i), wiring.aggregations().get(i).output(), toSink, readers);
    }
    String quarantine = settings.onValidationFailure();
    if (!StepContext.DISCARD.equals(quarantine)) {
      edges.add(
          new Edge(
              Ids.edgeId(),
              source.nodeId(),
              sinkNode(quarantine).nodeId(),
              "__quarantine__",
              "divert"));
    }
    for (int i = 0; i < settings.transforms().size(); i++) {
      PipelineSettings.Transform t = settings.transforms().get(i);
      if (t.onError() != null && !StepContext.DISCARD.equals(t.onError())) {
        edges.add(
            new Edge(
                Ids.edgeId(),
                processing.get(i).nodeId(),
                sinkNode(t.onError()).nodeId(),
                "__error_" + t.name() + "__",
                "divert"));
      }
    }
    for (int i = 0; i < settings.aggregations().size(); i++) {
      PipelineSettings.Aggregation a = settings.aggregations().get(i);
      if (a.onError() != null && !StepContext.DISCARD.equals(a.onError())) {
        edges.add(
            new Edge(
                Ids.edgeId(),
                aggregationNode(i).nodeId(),
                sinkNode(a.onError()).nodeId(),
                "__error_" + a.name() + "__",
                "divert"));
      }
    }
    for (int i = 0; i < settings.gates().size(); i++) {
      PipelineSettings.Gate g = settings.gates().get(i);
      Wiring.GateWires w = wiring.gates().get(i);
      Node gate = gateNode(i);
      if (w.onContinue() != null) {
        connect(gate, w.onContinue(), GateStep.CONTINUE, "move", readers);
      }
      Set<String> furtherSteps = new java.util.LinkedHashSet<>();
      g.routes()
          .forEach(
              (label, dest) -> {
                if (!GateStep.CONTINUE.equals(dest) && !GateStep.FORK.equals(dest)) {
                  connect(gate, dest, label, "move", readers);
                  if (!sinks.containsKey(dest)) {
                    // connect(...) above refused a destination that is neither a sink nor read.
                    furtherSteps.add(Objects.requireNonNull(readers.get(dest), dest).nodeId());
                  }
                }
              });
      // As ELSPETH's DAG builder: a gate whose routes lead to one further step also has a
      // continue edge to it (its fallthrough).
      if (w.onContinue() == null && furtherSteps.size() == 1) {
        String to = furtherSteps.iterator().next();
        edges.add(new Edge(Ids.edgeId(), gate.nodeId(), to, GateStep.CONTINUE, "move"));
      }
      // Fork paths are labelled with their names; a path straight to a sink or coalesce copies
      // the row, a path read by a step moves it there (ELSPETH's edges for both).
      for (String path : g.forkTo()) {
        String output = w.forkOutputs().getOrDefault(path, path);
        Node to = sinks.containsKey(output) ? sinks.get(output) : readers.get(output);
        if (to == null) {
          throw new IllegalStateException(
              "fork path '"
                  + path
                  + "' of gate '"
                  + g.name()
                  + "' leads to '"
                  + output
                  + "', which no step reads");
        }
        edges.add(
            new Edge(
                Ids.edgeId(),
                gate.nodeId(),
                to.nodeId(),
                path,
                to.nodeType().equals("transform")
                        || to.nodeType().equals("aggregation")
                        || to.nodeType().equals("gate")
                    ? "move"
                    : "copy"));
      }
    }
    for (int i = 0; i < settings.coalesce().size(); i++) {
      output(coalesceNode(i), wiring.coalesce().get(i).output(), toSink, readers);
    }
    // A sink's rows it cannot write, diverted to its failure sink (ELSPETH's DIVERT edge).
    for (PipelineSettings.Sink k : settings.sinks().values()) {
      String to = k.onWriteFailure();
      if (to != null && !StepContext.DISCARD.equals(to)) {
        edges.add(
            new Edge(
                Ids.edgeId(),
                sinkNode(k.name()).nodeId(),
                sinkNode(to).nodeId(),
                SinkRowCheck.FAILSINK_EDGE,
                "divert"));
      }
    }
  }

  /**
   * The edge of a step's output: to the sink named {@code output}, labelled {@code toSinkLabel}, or
   * to the step reading the connection, labelled {@code continue}.
   */
  private void output(Node from, String output, String toSinkLabel, Map<String, Node> readers) {
    connect(
        from, output, sinks.containsKey(output) ? toSinkLabel : GateStep.CONTINUE, "move", readers);
  }

  /** An edge from {@code from} to the sink named {@code output} or the step reading it. */
  private void connect(
      Node from, String output, String label, String mode, Map<String, Node> readers) {
    Node to = sinks.containsKey(output) ? sinks.get(output) : readers.get(output);
    if (to == null) {
      throw new IllegalStateException(
          "'" + output + "' written by " + from.name() + " is neither a sink nor read by a step");
    }
    edges.add(new Edge(Ids.edgeId(), from.nodeId(), to.nodeId(), label, mode));
  }

  /**
   * The step numbers of the transforms, aggregations, gates and coalesces (in that order of the
   * settings' lists): 1.. in the order rows reach them, each step after every step whose output it
   * reads. For an RC2 chain this is the lists' order.
   */
  static List<Integer> stepNumbers(PipelineSettings settings, Wiring wiring) {
    List<List<String>> inputs = new ArrayList<>();
    List<List<String>> outputs = new ArrayList<>();
    wiring
        .transforms()
        .forEach(
            t -> {
              inputs.add(List.of(t.input()));
              outputs.add(List.of(t.output()));
            });
    wiring
        .aggregations()
        .forEach(
            a -> {
              inputs.add(List.of(a.input()));
              outputs.add(List.of(a.output()));
            });
    for (int i = 0; i < wiring.gates().size(); i++) {
      Wiring.GateWires g = wiring.gates().get(i);
      inputs.add(List.of(g.input()));
      List<String> out = new ArrayList<>(settings.gates().get(i).routes().values());
      if (g.onContinue() != null) {
        out.add(g.onContinue());
      }
      out.addAll(g.forkOutputs().values());
      outputs.add(out);
    }
    wiring
        .coalesce()
        .forEach(
            c -> {
              inputs.add(List.copyOf(c.branchInputs().values()));
              outputs.add(List.of(c.output()));
            });
    Set<String> written = new HashSet<>(List.of(wiring.sourceOutput()));
    Integer[] steps = new Integer[inputs.size()];
    int next = 1;
    for (boolean progress = true; progress; ) {
      progress = false;
      for (int i = 0; i < inputs.size(); i++) {
        if (steps[i] == null && written.containsAll(inputs.get(i))) {
          steps[i] = next++;
          written.addAll(outputs.get(i));
          progress = true;
        }
      }
    }
    for (int i = 0; i < steps.length; i++) {
      if (steps[i] == null) {
        throw new IllegalStateException(
            "step "
                + i
                + " of the plan reads "
                + inputs.get(i)
                + ", which no step before it writes");
      }
    }
    return List.of(steps);
  }

  /** The node of a sink the validated settings name (they name only declared sinks). */
  private Node sinkNode(@Nullable String name) {
    return Objects.requireNonNull(sinks.get(name), () -> "no sink named '" + name + "'");
  }

  /** Plans a run of validated settings. */
  public static PipelinePlan of(
      String runId, PipelineSettings settings, SecretFingerprinter secrets) {
    return new PipelinePlan(runId, settings, secrets);
  }

  private static Node node(
      String prefix,
      String name,
      String type,
      String plugin,
      PluginDescriptor descriptor,
      int step,
      Map<String, Object> config,
      SecretFingerprinter secrets,
      Set<String> ids,
      String schemaMode,
      @Nullable String inputContractJson,
      @Nullable String outputContractJson) {
    @SuppressWarnings("unchecked")
    Map<String, Object> audited =
        (Map<String, Object>)
            Objects.requireNonNull(secrets.scrub(config), "the scrubbed copy of a map");
    return new Node(
        id(prefix, name, audited, ids),
        name,
        type,
        plugin,
        descriptor.version(),
        descriptor.determinism(),
        step,
        audited,
        schemaMode,
        inputContractJson,
        outputContractJson);
  }

  private static String id(String prefix, String name, Object config, Set<String> ids) {
    String safe = name.replaceAll("[^A-Za-z0-9_]", "_");
    String hash = CanonicalJson.stableHash(config).substring(0, 12);
    int room = MAX_NODE_ID - prefix.length() - hash.length() - 2;
    if (safe.length() > room) {
      safe = safe.substring(0, room);
    }
    String base = prefix + "_" + safe + "_" + hash;
    String id = base;
    // Two identical nodes (same name and config) get a sequence suffix, as ELSPETH RC2 does.
    for (int n = 2; !ids.add(id); n++) {
      id = base.substring(0, Math.min(base.length(), MAX_NODE_ID - 4)) + "_" + n;
    }
    return id;
  }

  public String runId() {
    return runId;
  }

  /** The run's schema contract: what the source gives (ELSPETH's runs.schema_contract_json). */
  public io.elspeth.audit.contract.SchemaContractRecord runContract() {
    return sourceContract;
  }

  /**
   * What the source infers from its first valid row; null when it infers nothing or cannot be read
   * now (its read then fails the run and says why).
   */
  private static io.elspeth.connectors.schema.@Nullable InferredFields inferred(
      PipelineSettings.Source s) {
    try {
      return s.descriptor().inferredFields(s.options());
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  public PipelineSettings settings() {
    return settings;
  }

  public Node source() {
    return source;
  }

  /**
   * Transforms, aggregations, gates, then coalesces, as the settings list them; their step numbers
   * say the order rows reach them.
   */
  public List<Node> processing() {
    return List.copyOf(processing);
  }

  /** The node of {@code settings().aggregations().get(i)}. */
  public Node aggregationNode(int i) {
    return processing.get(settings.transforms().size() + i);
  }

  /** The node of {@code settings().gates().get(i)}. */
  public Node gateNode(int i) {
    return processing.get(settings.transforms().size() + settings.aggregations().size() + i);
  }

  /** The node of {@code settings().coalesce().get(i)}. */
  public Node coalesceNode(int i) {
    return processing.get(
        settings.transforms().size()
            + settings.aggregations().size()
            + settings.gates().size()
            + i);
  }

  public Map<String, Node> sinks() {
    return Map.copyOf(sinks);
  }

  public List<Edge> edges() {
    return List.copyOf(edges);
  }

  /** All nodes in topological order. */
  public List<Node> nodes() {
    List<Node> all = new ArrayList<>();
    all.add(source);
    processing.stream().sorted(java.util.Comparator.comparingInt(Node::step)).forEach(all::add);
    all.addAll(sinks.values());
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
