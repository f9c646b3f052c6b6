package io.elspeth.pipelines.settings;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.pipelines.plugins.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ELSPETH's current format translated into steps and their wiring, and its refusals. */
class CurrentFormatTest {
  private final SettingsValidator validator = new SettingsValidator(PluginRegistry.builtIn());
  private final Path file = Path.of("settings.yaml");

  private static Map<String, Object> yaml(String text) throws Exception {
    Path f = Files.createTempFile("current", ".yaml");
    Files.writeString(f, text);
    return SettingsLoader.load(f, null, Map.of());
  }

  private List<String> problems(String text) throws Exception {
    Map<String, Object> raw = yaml(text);
    return assertThrows(SettingsException.class, () -> validator.validate(file, raw)).problems();
  }

  private static final String SOURCE =
      """
      source: {plugin: csv, on_success: loaded, options: {path: in.csv, on_validation_failure: discard}}
      """;
  private static final String SINKS =
      """
      sinks:
        a: {plugin: csv, on_write_failure: discard, options: {path: a.csv}}
        b: {plugin: csv, on_write_failure: discard, options: {path: b.csv}}
      """;

  @Test
  void rc2FilesAreNotTheCurrentFormat() throws Exception {
    assertThat(
        CurrentFormat.isCurrent(
            yaml(
                """
        source: {plugin: csv, options: {path: in.csv}}
        transforms: [{plugin: passthrough}]
        """)),
        is(false));
    assertThat(CurrentFormat.isCurrent(yaml(SOURCE)), is(true));
  }

  @Test
  void stepsWrittenOutOfOrderRunInTheirWiredOrderAndTheLastSinkIsTheDefault() throws Exception {
    PipelineSettings s =
        validator.validate(
            file,
            yaml(
                SOURCE
                    + """
        transforms:
          - {name: second, plugin: passthrough, input: middle, on_success: b, on_error: a}
          - {name: first, plugin: passthrough, input: loaded, on_success: middle, on_error: discard}
        """
                    + SINKS));
    assertThat(
        s.transforms().stream().map(PipelineSettings.Transform::name).toList(),
        contains("first", "second"));
    assertThat(s.defaultSink(), is("b"));
    assertThat(s.transforms().get(1).onError(), is("a"));
    assertThat("recorded as written", s.resolved().containsKey("default_sink"), is(false));
  }

  @Test
  void problemsOfReorderedStepsNameTheStepAsWritten() throws Exception {
    List<String> problems =
        problems(
            SOURCE
                + """
        transforms:
          - {name: second, plugin: passthrough, input: middle, on_success: b, options: {bogus: 1},
             on_error: discard}
          - {name: first, plugin: passthrough, input: loaded, on_success: middle, on_error: discard}
        """
                + SINKS);
    assertThat(problems, hasItem(startsWith("transforms[0].options.bogus: unknown option")));
    assertThat(problems.get(0), org.hamcrest.Matchers.containsString("(line 3, column"));
  }

  @Test
  void gateRoutesKeepTheConnectionTheyNameAndTheWiringSaysWhoReadsIt() throws Exception {
    PipelineSettings s =
        validator.validate(
            file,
            yaml(
                SOURCE
                    + """
        gates:
          - {name: g1, input: loaded, condition: "row['x'] > 1", routes: {'true': a, 'false': next}}
          - {name: g2, input: next, condition: "len(str(row['y'])) > 2", routes: {'true': a, 'false': b}}
        """
                    + SINKS));
    assertThat(s.gates().get(0).routes(), is(Map.of("true", "a", "false", "next")));
    assertThat(s.gates().get(1).routes(), is(Map.of("true", "a", "false", "b")));
    assertThat(s.wiring().sourceOutput(), is("loaded"));
    assertThat(s.wiring().gates().get(1).input(), is("next"));
  }

  @Test
  void anAggregationWithoutOnSuccessProducesItsName() throws Exception {
    PipelineSettings s =
        validator.validate(
            file,
            yaml(
                SOURCE
                    + """
        aggregations:
          - name: totals
            plugin: batch_stats
            input: loaded
            on_error: discard
            trigger: {count: 2}
            options: {value_field: x, schema: {mode: observed}}
        gates:
          - {name: g1, input: totals, condition: "row['count'] > 1", routes: {'true': a, 'false': b}}
        """
                    + SINKS));
    assertThat(s.aggregations().get(0).config().get("on_error"), is("discard"));
    assertThat(s.gates().get(0).name(), is("g1"));
  }

  @Test
  void aConnectionReadTwiceOrNeverProducedIsRefused() throws Exception {
    List<String> problems =
        problems(
            SOURCE
                + """
        transforms:
          - {name: t1, plugin: passthrough, input: loaded, on_success: a, on_error: discard}
          - {name: t2, plugin: passthrough, input: loaded, on_success: b, on_error: discard}
        """
                + SINKS);
    assertThat(
        problems,
        hasItem(
            startsWith(
                "transforms[1].input and transforms[0].input: both"
                    + " read connection 'loaded'")));
  }

  @Test
  void aTransformOrAggregationWithoutOnErrorIsRefusedAsElspethsCurrentSettingsRefuseIt()
      throws Exception {
    List<String> problems =
        problems(
            SOURCE
                + """
        transforms:
          - {name: t1, plugin: passthrough, input: loaded, on_success: mid}
        aggregations:
          - {name: totals, plugin: batch_stats, input: mid, on_success: a, trigger: {count: 2},
             options: {value_field: x, schema: {mode: observed}}}
        """
                + SINKS);
    assertThat(
        problems,
        hasItem(
            startsWith(
                "transforms[0].on_error: required (a sink name, or 'discard': where the rows this"
                    + " transform cannot process go; ELSPETH's current format requires it), got"
                    + " null")));
    assertThat(
        problems,
        hasItem(startsWith("aggregations[0].on_error: required (a sink name, or 'discard'")));
  }

  @Test
  void onErrorInsideOptionsStillCounts() throws Exception {
    PipelineSettings s =
        validator.validate(
            file,
            yaml(
                SOURCE
                    + """
        transforms:
          - {name: t1, plugin: passthrough, input: loaded, on_success: a,
             options: {on_error: b, schema: {mode: observed}}}
        """
                    + SINKS));
    assertThat(s.transforms().get(0).onError(), is("b"));
  }

  /**
   * A fork whose branch {@code p1} guarantees {@code id, x} and {@code p2} only {@code id}, merged
   * by {@code merge}, read by a transform requiring {@code required}.
   */
  private static String forkJoin(String merge, String required) {
    return """
        source:
          plugin: csv
          on_success: loaded
          options:
            path: in.csv
            on_validation_failure: discard
            schema: {mode: fixed, fields: ['id: int', 'x: int']}
        gates:
          - {name: split, input: loaded, condition: "True", routes: {'true': fork, 'false': b},
             fork_to: [p1, p2]}
        transforms:
          - {name: ta, plugin: passthrough, input: p1, on_success: a_done, on_error: discard,
             options: {schema: {mode: fixed, fields: ['id: int', 'x: int']}}}
          - {name: tb, plugin: passthrough, input: p2, on_success: b_done, on_error: discard,
             options: {schema: {mode: fixed, fields: ['id: int']}}}
          - {name: after, plugin: passthrough, input: join, on_success: a, on_error: discard,
             options: {required_input_fields: %s, schema: {mode: observed}}}
        coalesce:
          - {name: join, branches: {p1: a_done, p2: b_done}, policy: require_all, %s}
        """
            .formatted(required, merge)
        + SINKS;
  }

  @Test
  void aStepReadingAUnionMergeNeedsFieldsEveryBranchGuarantees() throws Exception {
    List<String> problems = problems(forkJoin("merge: union", "[x]"));
    assertThat(
        problems,
        hasItem(
            startsWith(
                "transforms[2].options.required_input_fields: passthrough requires [x] but"
                    + " coalesce[0] (coalesce 'join', merge: union) guarantees [id]; missing [x]."
                    + " A union merge guarantees the fields every branch guarantees")));
    assertThat(
        validator.validate(file, yaml(forkJoin("merge: union", "[id]"))).coalesce(),
        org.hamcrest.Matchers.hasSize(1));
  }

  @Test
  void aStepReadingANestedMergeGetsTheBranchNames() throws Exception {
    List<String> problems = problems(forkJoin("merge: nested", "[id]"));
    assertThat(
        problems,
        hasItem(
            startsWith(
                "transforms[2].options.required_input_fields: passthrough requires [id] but"
                    + " coalesce[0] (coalesce 'join', merge: nested) guarantees [p1, p2];"
                    + " missing [id]. A nested merge guarantees only its branch names")));
    validator.validate(file, yaml(forkJoin("merge: nested", "[p1, p2]")));
  }

  @Test
  void aStepReadingASelectMergeGetsTheSelectedBranchsGuarantees() throws Exception {
    validator.validate(file, yaml(forkJoin("merge: select, select_branch: p1", "[x]")));
    List<String> problems = problems(forkJoin("merge: select, select_branch: p2", "[id, x]"));
    assertThat(
        problems,
        hasItem(
            startsWith(
                "transforms[2].options.required_input_fields: passthrough requires [id, x] but"
                    + " coalesce[0] (coalesce 'join', merge: select, select_branch: p2)"
                    + " guarantees [id]; missing [x]")));
  }
}
