package io.elspeth.pipelines.graph;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsLoader;
import io.elspeth.pipelines.settings.SettingsValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelinePlanTest {
  @TempDir Path dir;

  private PipelineSettings settings() throws Exception {
    Path f = dir.resolve("s.yaml");
    Files.writeString(
        f,
        """
        source: {plugin: csv, options: {path: in.csv, on_validation_failure: quarantine}}
        transforms:
          - plugin: keyword_filter
            options: {fields: text, blocked_patterns: ["x"], on_error: blocked}
          - plugin: passthrough
        gates:
          - name: big
            condition: "row['n'] > 1"
            routes: {"true": high, "false": continue}
        sinks:
          out: {plugin: csv, options: {path: out.csv}}
          high: {plugin: csv, options: {path: high.csv}}
          blocked: {plugin: json, options: {path: b.jsonl}}
          quarantine: {plugin: json, options: {path: q.jsonl}}
        default_sink: out
        """);
    return new SettingsValidator(PluginRegistry.builtIn())
        .validate(f, SettingsLoader.load(f, null, Map.of()));
  }

  @Test
  void nodeIdsAreDeterministicAcrossRunsAndStepsFollowThePipeline() throws Exception {
    PipelineSettings s = settings();
    PipelinePlan a = PipelinePlan.of("run-a", s, new SecretFingerprinter(null));
    PipelinePlan b = PipelinePlan.of("run-b", s, new SecretFingerprinter(null));
    List<String> ids = a.nodes().stream().map(PipelinePlan.Node::nodeId).toList();
    assertThat(ids, equalTo(b.nodes().stream().map(PipelinePlan.Node::nodeId).toList()));
    assertThat(a.source().nodeId(), startsWith("source_csv_"));
    assertThat(a.processing().get(2).nodeId(), startsWith("config_gate_big_"));
    assertThat(
        a.processing().stream().map(PipelinePlan.Node::step).toList(), equalTo(List.of(1, 2, 3)));
    assertThat(a.sinks().get("out").step(), is(4));
    ids.forEach(id -> assertThat(id.length(), lessThanOrEqualTo(PipelinePlan.MAX_NODE_ID)));
    assertThat(a.processing().get(0).nodeId(), not(equalTo(a.processing().get(1).nodeId())));
  }

  @Test
  void edgesCoverTheMainPathRoutesErrorsAndQuarantine() throws Exception {
    PipelinePlan plan = PipelinePlan.of("run", settings(), new SecretFingerprinter(null));
    assertThat(
        plan.edges().stream().map(e -> e.label() + ":" + e.mode()).toList(),
        containsInAnyOrder(
            "continue:move",
            "continue:move",
            "continue:move",
            "continue:move",
            "__quarantine__:divert",
            "__error_keyword_filter__:divert",
            "true:move"));
    assertThat(
        plan.context(plan.processing().get(2), null).edgeId("true"),
        is(plan.edges().stream().filter(e -> e.label().equals("true")).findFirst().get().edgeId()));
  }

  @Test
  void dagNodesFollowTransformsInStepOrderAndForkPathsAreCopyEdges() throws Exception {
    Path f = dir.resolve("dag.yaml");
    Files.writeString(
        f,
        """
        source: {plugin: csv, options: {path: in.csv, on_validation_failure: discard}}
        aggregations:
          - {name: hold, plugin: batch_stats, trigger: {count: 2}, output_mode: passthrough,
             options: {value_field: n}}
        gates:
          - name: split
            condition: "row['n'] > 1"
            routes: {"true": fork, "false": continue}
            fork_to: [a, b, copies]
        coalesce:
          - {name: join, branches: [a, b]}
        sinks:
          out: {plugin: csv, options: {path: out.csv}}
          copies: {plugin: csv, options: {path: copies.csv}}
        default_sink: out
        """);
    PipelineSettings s =
        new SettingsValidator(PluginRegistry.builtIn())
            .validate(f, SettingsLoader.load(f, null, Map.of()));
    PipelinePlan plan = PipelinePlan.of("run-a", s, new SecretFingerprinter(null));
    assertThat(
        plan.processing().stream().map(PipelinePlan.Node::nodeType).toList(),
        equalTo(List.of("aggregation", "gate", "coalesce")));
    assertThat(plan.aggregationNode(0).nodeId(), startsWith("aggregation_hold_"));
    assertThat(plan.coalesceNode(0).nodeId(), startsWith("coalesce_join_"));
    assertThat(plan.coalesceNode(0).step(), is(3));
    assertThat(plan.sinks().get("out").step(), is(4));
    String gate = plan.gateNode(0).nodeId();
    List<String> forkEdges =
        plan.edges().stream()
            .filter(e -> e.from().equals(gate) && e.mode().equals("copy"))
            .map(e -> e.label() + "->" + e.to())
            .toList();
    assertThat(
        forkEdges,
        containsInAnyOrder(
            "a->" + plan.coalesceNode(0).nodeId(),
            "b->" + plan.coalesceNode(0).nodeId(),
            "copies->" + plan.sinks().get("copies").nodeId()));
    assertThat(
        plan.context(plan.coalesceNode(0), null).edgeId("continue"),
        equalTo(
            plan.edges().stream()
                .filter(e -> e.from().equals(plan.coalesceNode(0).nodeId()))
                .findFirst()
                .orElseThrow()
                .edgeId()));
  }
}
