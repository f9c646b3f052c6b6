package io.elspeth.pipelines.graph;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.pipelines.graph.PipelinePlan.Node;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.plugin.PluginDescriptor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The nodes of a run's DAG: their ids (deterministic across runs, as ELSPETH builds them: {@code
 * <prefix>_<name>_<12 hex of the config hash>}), step numbers, audited (scrubbed) configs and
 * schema contracts.
 */
final class PlanNodes {
  private final PipelineSettings settings;
  private final Node source;
  private final io.elspeth.audit.contract.SchemaContractRecord sourceContract;
  private final io.elspeth.connectors.schema.@Nullable InferredFields sourceInferred;
  private final List<Node> processing;
  private final Map<String, Node> sinks;

  private PlanNodes(
      PipelineSettings settings,
      Node source,
      io.elspeth.audit.contract.SchemaContractRecord sourceContract,
      io.elspeth.connectors.schema.@Nullable InferredFields sourceInferred,
      List<Node> processing,
      Map<String, Node> sinks) {
    this.settings = settings;
    this.source = source;
    this.sourceContract = sourceContract;
    this.sourceInferred = sourceInferred;
    this.processing = List.copyOf(processing);
    this.sinks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sinks));
  }

  /** The nodes of validated {@code settings}, their configs scrubbed of {@code secrets}. */
  static PlanNodes of(PipelineSettings settings, SecretFingerprinter secrets) {
    PipelineSettings.Source s = settings.source();
    List<Node> processing = new ArrayList<>();
    Map<String, Node> sinks = new LinkedHashMap<>();
    Set<String> ids = new HashSet<>();
    // What the source gives is the run's contract (runs.schema_contract_json): with what ELSPETH
    // infers from its first valid row, read now (the source's read holds later rows to it).
    // Only the current format locks a contract on the first row; RC2 has no schema contracts, so
    // an RC2 source keeps holding rows to its declared schema alone.
    io.elspeth.connectors.schema.@Nullable InferredFields inferred =
        settings.connections() != null ? inferred(s) : null;
    io.elspeth.audit.contract.SchemaContractRecord sourceContract =
        SchemaContracts.ofSource(s.options().schema(), inferred);
    Node source =
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
    // Steps are numbered in the order rows reach them (a step after the steps it reads from).
    List<Integer> steps = StepNumbers.of(settings, settings.wiring());
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
              PipelinePlan.ENGINE_VERSION,
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
              PipelinePlan.ENGINE_VERSION,
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
    return new PlanNodes(settings, source, sourceContract, inferred, processing, sinks);
  }

  Node source() {
    return source;
  }

  /** The run's schema contract: what the source gives, with what it infers from its first row. */
  io.elspeth.audit.contract.SchemaContractRecord sourceContract() {
    return sourceContract;
  }

  /** What the plan inferred from the source's first valid row; null when it inferred nothing. */
  io.elspeth.connectors.schema.@Nullable InferredFields sourceInferred() {
    return sourceInferred;
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

  /** Transforms, aggregations, gates, then coalesces, as the settings list them. */
  List<Node> processing() {
    return processing;
  }

  /** The sinks' nodes by sink name, in the settings' order. */
  Map<String, Node> sinks() {
    return sinks;
  }

  /** The node of {@code settings().transforms().get(i)}. */
  Node transformNode(int i) {
    return processing.get(i);
  }

  /** The node of {@code settings().aggregations().get(i)}. */
  Node aggregationNode(int i) {
    return processing.get(settings.transforms().size() + i);
  }

  /** The node of {@code settings().gates().get(i)}. */
  Node gateNode(int i) {
    return processing.get(settings.transforms().size() + settings.aggregations().size() + i);
  }

  /** The node of {@code settings().coalesce().get(i)}. */
  Node coalesceNode(int i) {
    return processing.get(
        settings.transforms().size()
            + settings.aggregations().size()
            + settings.gates().size()
            + i);
  }

  /** The node of a sink the validated settings name (they name only declared sinks). */
  Node sinkNode(@Nullable String name) {
    return Objects.requireNonNull(sinks.get(name), () -> "no sink named '" + name + "'");
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
    int room = PipelinePlan.MAX_NODE_ID - prefix.length() - hash.length() - 2;
    if (safe.length() > room) {
      safe = safe.substring(0, room);
    }
    String base = prefix + "_" + safe + "_" + hash;
    String id = base;
    // Two identical nodes (same name and config) get a sequence suffix, as ELSPETH RC2 does.
    for (int n = 2; !ids.add(id); n++) {
      id = base.substring(0, Math.min(base.length(), PipelinePlan.MAX_NODE_ID - 4)) + "_" + n;
    }
    return id;
  }
}
