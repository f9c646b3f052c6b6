package io.elspeth.pipelines.settings;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.transforms.dag.AggregationStep;
import io.elspeth.transforms.dag.CoalesceStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Validation of gate fork_to, coalesce and aggregations. */
class DagSettingsTest {
  private final SettingsValidator validator = new SettingsValidator(PluginRegistry.builtIn());
  private final Path file = Path.of("settings.yaml");

  private static final String BASE =
      """
      source: {plugin: csv, options: {path: in.csv, on_validation_failure: discard}}
      sinks:
        out: {plugin: csv, options: {path: out.csv}}
        copies: {plugin: csv, options: {path: copies.csv}}
      default_sink: out
      """;

  private static final String FORK =
      """
      gates:
        - name: split
          condition: "row['x'] > 1"
          routes: {"true": fork, "false": continue}
          fork_to: [a, b, copies]
      """;

  private static Map<String, Object> yaml(String text) throws Exception {
    Path f = Files.createTempFile("s", ".yaml");
    Files.writeString(f, text);
    return SettingsLoader.load(f, null, Map.of());
  }

  private List<String> problems(String text) throws Exception {
    Map<String, Object> raw = yaml(text);
    return assertThrows(SettingsException.class, () -> validator.validate(file, raw)).problems();
  }

  @Test
  void aForkJoinedByACoalesceIsAccepted() throws Exception {
    PipelineSettings s =
        validator.validate(
            file,
            yaml(
                BASE
                    + FORK
                    + """
        coalesce:
          - {name: join, branches: [a, b], policy: quorum, quorum_count: 1, merge: select,
             select_branch: b, timeout_seconds: 2.5}
        """));
    assertThat(s.gates().get(0).forkTo(), contains("a", "b", "copies"));
    PipelineSettings.Coalesce c = s.coalesce().get(0);
    assertThat(c.gate(), is("split"));
    assertThat(c.policy(), is(CoalesceStep.Policy.QUORUM));
    assertThat(c.merge(), is(CoalesceStep.Merge.SELECT));
    assertThat(c.timeoutSeconds(), is(2.5));
    assertThat(s.coalesceOf("copies").isPresent(), is(false));
  }

  @Test
  void aForkPathThatIsNeitherASinkNorABranchIsNamed() throws Exception {
    List<String> p = problems(BASE + FORK);
    assertThat(p, hasItem(startsWith("gates[0].fork_to[0]: path 'a' is neither a sink")));
  }

  @Test
  void forkRouteWithoutForkToAndQuorumWithoutCountAreNamed() throws Exception {
    List<String> p =
        problems(
            BASE
                + """
        gates:
          - {name: g, condition: "row['x'] > 1", routes: {"true": fork, "false": continue}}
        coalesce:
          - {name: j, branches: [a, zz], policy: quorum}
        """);
    assertThat(p, hasItem(startsWith("gates[0].routes.true: 'fork' needs the gate's fork_to")));
    assertThat(
        p, hasItem(startsWith("coalesce[0].branches[0]: no gate forks to a path named 'a'")));
    assertThat(p, hasItem(startsWith("coalesce[0].quorum_count: required for policy quorum")));
  }

  @Test
  void anAggregationIsResolvedWithItsTriggerAndMode() throws Exception {
    PipelineSettings s =
        validator.validate(
            file,
            yaml(
                BASE
                    + """
        aggregations:
          - name: totals
            plugin: batch_stats
            trigger: {count: 5, timeout_seconds: 30, condition: "row['batch_count'] >= 3"}
            output_mode: single
            options: {value_field: amount}
        """));
    PipelineSettings.Aggregation a = s.aggregations().get(0);
    assertThat(a.outputMode(), is(AggregationStep.OutputMode.TRANSFORM));
    assertThat(a.trigger().count(), is(5));
    assertThat(a.trigger().timeoutSeconds(), is(30.0));
  }

  @Test
  void aggregationProblemsAreNamedWithTheirKeyPaths() throws Exception {
    List<String> p =
        problems(
            BASE
                + """
        aggregations:
          - name: t
            plugin: passthrough
            trigger: {count: 0, condition: "row['nope'] > 1"}
            output_mode: sometimes
        """);
    assertThat(p, hasItem(startsWith("aggregations[0].trigger.count: expected a whole number")));
    assertThat(p, hasItem(startsWith("aggregations[0].trigger.condition:")));
    assertThat(p, hasItem(startsWith("aggregations[0].output_mode: expected transform")));
    assertThat(p, hasItem(startsWith("aggregations[0].plugin: 'passthrough' is a row transform")));
  }
}
