package io.elspeth.pipelines.settings;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.telemetry.config.Granularity;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsValidatorTest {
  private final SettingsValidator validator = new SettingsValidator(PluginRegistry.builtIn());
  private final Path file = Path.of("settings.yaml");

  private static Map<String, Object> yaml(String text) {
    try {
      java.nio.file.Path f = java.nio.file.Files.createTempFile("s", ".yaml");
      java.nio.file.Files.writeString(f, text);
      return SettingsLoader.load(f, null, Map.of());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static final String MINIMAL =
      """
      source: {plugin: csv, options: {path: in.csv, on_validation_failure: discard}}
      sinks: {out: {plugin: csv, options: {path: out.csv}}}
      """;

  private List<String> problems(String text) {
    return assertThrows(SettingsException.class, () -> validator.validate(file, yaml(text)))
        .problems();
  }

  @Test
  void aSingleSinkIsTheDefaultAndDefaultsAreFilled() {
    PipelineSettings s = validator.validate(file, yaml(MINIMAL));
    assertThat(s.defaultSink(), is("out"));
    assertThat(s.source().options().string("delimiter"), is(","));
    assertThat(s.landscape().toString(), is(SettingsValidator.DEFAULT_LANDSCAPE_URL));
    assertThat(s.telemetry().enabled(), is(false));
  }

  @Test
  void aMissingSourceIsNamedWhenTheLandscapeIsExported() {
    // The export's shared-sink check once read the source's options and threw a
    // NullPointerException here instead of naming the missing source.
    List<String> p =
        problems(
            """
        sinks:
          out: {plugin: csv, options: {path: out.csv}}
          audit_trail: {plugin: json, options: {path: audit.jsonl}}
        default_sink: out
        landscape:
          export: {enabled: true, sink: audit_trail, format: json}
        """);
    assertThat(p, hasItem(startsWith("source: required")));
  }

  @Test
  void unknownTopLevelKeysAndIncompleteSectionsAreNamed() {
    List<String> p = problems(MINIMAL + "sourse: {}\naggregations: [{name: a}]\n");
    assertThat(p, hasItem(startsWith("sourse: unknown settings key")));
    assertThat(p, hasItem(startsWith("aggregations[0].trigger: required")));
  }

  @Test
  void transformOnErrorBesidePluginIsAccepted() {
    PipelineSettings s =
        validator.validate(
            file,
            yaml(
                MINIMAL
                    + """
        transforms:
          - plugin: keyword_filter
            on_error: out
            options: {fields: text, blocked_patterns: ["x"]}
          - plugin: passthrough
          - plugin: passthrough
        """));
    assertThat(s.transforms().get(0).onError(), is("out"));
    assertThat(
        s.transforms().stream().map(PipelineSettings.Transform::name).toList(),
        contains("keyword_filter", "passthrough", "passthrough_2"));
  }

  @Test
  void telemetryIsValidatedAsTheReferenceDoes() {
    List<String> p =
        problems(
            MINIMAL
                + """
        telemetry:
          enabled: true
          granularity: everything
          backpressure_mode: slow
          exporters:
            - name: otlp
              endpoint: http://x
        """);
    assertThat(p, hasItem(startsWith("telemetry.granularity: expected lifecycle, rows or full")));
    assertThat(p, hasItem(startsWith("telemetry.backpressure_mode: 'slow' is not implemented")));
    assertThat(p, hasItem(startsWith("telemetry.exporters[0].endpoint: unknown key")));
    PipelineSettings ok =
        validator.validate(
            file,
            yaml(
                MINIMAL
                    + "telemetry: {enabled: true, granularity: rows, exporters: [{name: console}]}\n"));
    assertThat(ok.telemetry().granularity(), is(Granularity.ROWS));
  }

  @Test
  void landscapeSettingsAreChecked() {
    assertThat(
        problems(MINIMAL + "landscape: {url: \"mysql://x/y\"}\n"),
        hasItem(startsWith("landscape.url: unsupported Landscape URL")));
    assertThat(
        problems(MINIMAL + "landscape: {enabled: false}\n"),
        hasItem(startsWith("landscape.enabled: the Landscape is the legal record")));
    assertThat(
        problems(MINIMAL + "landscape: {backend: postgresql, url: \"sqlite:///a.db\"}\n"),
        hasItem(startsWith("landscape.backend: 'postgresql' does not match")));
  }

  @Test
  void sectionsOfRetryAndConcurrencyAreTypeChecked() {
    List<String> p =
        problems(MINIMAL + "retry: {max_attempts: zero}\nconcurrency: {max_workers: 0}\n");
    assertThat(p, hasItem(startsWith("retry.max_attempts: expected an integer")));
    assertThat(p, hasItem(startsWith("concurrency.max_workers: expected 1 or more")));
  }

  @Test
  void gatesNeedANameAConditionAndRoutes() {
    List<String> p = problems(MINIMAL + "gates:\n  - condition: \"row['a'] > 1\"\n  - name: g2\n");
    assertThat(p, hasItem(startsWith("gates[0].name: required")));
    assertThat(p, hasItem(startsWith("gates[0].routes: required")));
    assertThat(p, hasItem(startsWith("gates[1].condition: required")));
  }

  private static final String THREE_SINKS =
      """
      source: {plugin: csv, options: {path: in.csv, on_validation_failure: discard}}
      default_sink: out
      sinks:
        out:
          plugin: csv
          options: {path: out.csv}
          on_write_failure: %s
        failed:
          plugin: json
          options: {path: failed.jsonl}
          on_write_failure: %s
        spare:
          plugin: json
          options: {path: spare.jsonl}
      """;

  @Test
  void onWriteFailureBesidePluginIsDiscardOrAnotherSinkAndIsPartOfTheSinkConfig() {
    PipelineSettings s = validator.validate(file, yaml(THREE_SINKS.formatted("failed", "discard")));
    assertThat(s.sinks().get("out").onWriteFailure(), is("failed"));
    assertThat(s.sinks().get("failed").onWriteFailure(), is("discard"));
    assertThat(s.sinks().get("spare").onWriteFailure(), is((String) null));
    assertThat(s.sinks().get("out").config().get("on_write_failure"), is("failed"));
    assertThat(
        validator
            .validate(file, yaml(THREE_SINKS.formatted("discard", "spare")))
            .sinks()
            .get("failed")
            .onWriteFailure(),
        is("spare"));
  }

  @Test
  void onWriteFailureMustNameAnotherSinkAndNoChainOfThem() {
    assertThat(
        problems(THREE_SINKS.formatted("nowhere", "discard")),
        hasItem(
            startsWith(
                "sinks.out.on_write_failure: no sink named 'nowhere' (configured sinks: [out, failed,"
                    + " spare]; or 'discard') (line 7")));
    assertThat(
        problems(THREE_SINKS.formatted("out", "discard")),
        hasItem(startsWith("sinks.out.on_write_failure: 'out' cannot be its own failure sink")));
    assertThat(
        problems(THREE_SINKS.formatted("\"\"", "discard")),
        hasItem(
            startsWith(
                "sinks.out.on_write_failure: expected 'discard' or the name of another sink, got")));
    // A chain (and so a cycle: out -> failed -> out) is refused naming both keys and lines.
    assertThat(
        problems(THREE_SINKS.formatted("failed", "spare")),
        hasItem(
            startsWith(
                "sinks.out.on_write_failure and sinks.failed.on_write_failure: 'out' diverts to"
                    + " 'failed', which diverts in turn to 'spare'")));
    List<String> cycle = problems(THREE_SINKS.formatted("failed", "out"));
    assertThat(
        cycle,
        hasItem(
            org.hamcrest.Matchers.allOf(
                startsWith("sinks.out.on_write_failure and sinks.failed.on_write_failure:"),
                org.hamcrest.Matchers.endsWith("(lines 7 and 11)"))));
    assertThat(
        problems(
            MINIMAL.replace(
                "options: {path: out.csv}}",
                "options: {path: out.csv}, on_write_failur: discard}")),
        hasItem(
            startsWith(
                "sinks.out.on_write_failur: unknown key (expected plugin, options, on_write_failure)")));
  }

  @Test
  void runModeIsLiveReplayOrVerifyAndTheLastTwoNeedReplayFrom() {
    PipelineSettings live = validator.validate(file, yaml(MINIMAL));
    assertThat(live.runMode(), is("live"));
    assertThat(live.replaySource("run-b"), is(nullValue()));
    PipelineSettings replay =
        validator.validate(file, yaml(MINIMAL + "run_mode: replay\nreplay_from: run-a\n"));
    assertThat(replay.replayFrom(), is("run-a"));
    assertThat(replay.replaySource("run-b").replays(), is(true));
    assertThat(
        validator
            .validate(file, yaml(MINIMAL + "run_mode: verify\nreplay_from: run-a\n"))
            .replaySource("run-b")
            .replays(),
        is(false));
    // ELSPETH ignores replay_from in a live run.
    assertThat(
        validator.validate(file, yaml(MINIMAL + "replay_from: run-a\n")).replayFrom(),
        is(nullValue()));
    assertThat(
        problems(MINIMAL + "run_mode: replay\n"),
        hasItem(startsWith("replay_from: required when run_mode is 'replay'")));
    assertThat(
        problems(MINIMAL + "run_mode: verify\n"),
        hasItem(startsWith("replay_from: required when run_mode is 'verify'")));
    assertThat(
        problems(MINIMAL + "run_mode: rerun\nreplay_from: run-a\n"),
        hasItem(startsWith("run_mode: expected live, replay or verify, got")));
    assertThat(
        problems(MINIMAL + "run_mode: replay\nreplay_from: [a]\n"),
        hasItem(startsWith("replay_from: expected the run id of a recorded run")));
  }

  @Test
  void aReplayOfBlobSourcesOrSinksIsRefusedNamingTheKey() {
    List<String> p =
        problems(
            """
        source: {plugin: csv, options: {path: in.csv, on_validation_failure: discard}}
        sinks: {out: {plugin: azure_blob, options: {container: c, blob_path: o.csv, format: csv,
          connection_string: "UseDevelopmentStorage=true"}}}
        run_mode: replay
        replay_from: run-a
        """);
    assertThat(
        p,
        hasItem(
            startsWith("sinks.out: run_mode: replay cannot replay sink plugin" + " azure_blob")));
  }

  @Test
  void topLevelNameAndDescriptionAreAcceptedAsStrings() {
    PipelineSettings s =
        validator.validate(file, yaml(MINIMAL + "name: nightly\ndescription: Nightly scoring\n"));
    assertThat(s.resolved().get("name"), is("nightly"));
    assertThat(problems(MINIMAL + "name: [a]\n"), hasItem(startsWith("name: expected a string")));
  }

  private static final String STRICT_SOURCE =
      """
      source:
        plugin: csv
        options:
          path: in.csv
          on_validation_failure: discard
          schema: {mode: strict, fields: ["id: int", "text: str", "note: str?"]}
      sinks: {out: {plugin: csv, options: {path: out.csv}}}
      """;

  @Test
  void requiredInputFieldsMustBeGuaranteedByTheStepBefore() {
    validator.validate(
        file,
        yaml(
            STRICT_SOURCE
                + """
        transforms:
          - plugin: passthrough
            options: {required_input_fields: [id, text], schema: {mode: free, fields: ["id: int"]}}
          - plugin: passthrough
            options: {required_input_fields: [id]}
        """));
    List<String> p =
        problems(
            STRICT_SOURCE
                + """
        transforms:
          - plugin: passthrough
            options: {required_input_fields: [text, note]}
        """);
    assertThat(
        p,
        hasItem(
            startsWith(
                "transforms[0].options.required_input_fields: passthrough"
                    + " requires [note, text] but source (csv) guarantees [id, text]; missing [note]")));
  }

  @Test
  void guaranteedFieldsAndAnLlmsComputedFieldsSatisfyTheContract() {
    validator.validate(
        file,
        yaml(
            STRICT_SOURCE
                + """
        transforms:
          - plugin: passthrough
            options: {schema: {fields: dynamic, guaranteed_fields: [score]}}
          - plugin: openrouter_llm
            options: {api_key: k, model: m, template: "{{ row.score }}",
                      required_input_fields: [score], response_field: answer}
          - plugin: passthrough
            options: {required_input_fields: [answer, answer_usage, answer_model]}
        """));
  }

  @Test
  void schemaRequiredFieldsAreAContractTooAndAnEmptyListOptsOut() {
    assertThat(
        problems(
            STRICT_SOURCE
                + """
        transforms:
          - plugin: passthrough
            options: {schema: {fields: dynamic, required_fields: [missing]}}
        """),
        hasItem(
            startsWith(
                "transforms[0].options.schema.required_fields: passthrough"
                    + " requires [missing]")));
    validator.validate(
        file,
        yaml(
            STRICT_SOURCE
                + """
        transforms:
          - plugin: passthrough
            options: {required_input_fields: [], schema: {fields: dynamic, required_fields: [x]}}
        """));
  }

  @Test
  void requiredInputFieldsAreIdentifiersListedOnce() {
    List<String> p =
        problems(
            STRICT_SOURCE
                + """
        aggregations:
          - name: totals
            plugin: batch_stats
            trigger: {count: 2}
            output_mode: transform
            options: {value_field: id, required_input_fields: [id, "not valid", id, " "]}
        """);
    assertThat(
        p,
        hasItem(
            startsWith(
                "aggregations[0].options.required_input_fields[1]: must be"
                    + " a valid identifier, got 'not valid'")));
    assertThat(
        p,
        hasItem(
            startsWith(
                "aggregations[0].options.required_input_fields: 'id' is" + " listed twice")));
    assertThat(
        p,
        hasItem(
            startsWith("aggregations[0].options.required_input_fields[3]: cannot" + " be empty")));
  }
}
