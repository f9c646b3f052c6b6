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
          - {name: second, plugin: passthrough, input: middle, on_success: b, options: {bogus: 1}}
          - {name: first, plugin: passthrough, input: loaded, on_success: middle}
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
          - {name: t1, plugin: passthrough, input: loaded, on_success: a}
          - {name: t2, plugin: passthrough, input: loaded, on_success: b}
        """
                + SINKS);
    assertThat(
        problems,
        hasItem(
            startsWith(
                "transforms[1].input and transforms[0].input: both"
                    + " read connection 'loaded'")));
  }
}
