package io.elspeth.pipelines.settings;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.runners.RunnerOptions;
import io.elspeth.runners.RunnerProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code runner:} section and the command line's runner choice, checked at validation. */
class RunnerSettingsTest {
  private static final String PIPELINE =
      """
      source: {plugin: csv, options: {path: in.csv, on_validation_failure: discard}}
      sinks: {out: {plugin: csv, options: {path: out.csv}}}
      """;
  private static final String POSTGRES =
      "landscape: {url: \"postgresql://postgres@127.0.0.1:5432/test\"}\n";

  @TempDir Path dir;

  private PipelineSettings validate(String yaml) throws Exception {
    Path f = dir.resolve("settings.yaml");
    Files.writeString(f, yaml);
    return new SettingsValidator(PluginRegistry.builtIn())
        .validate(f, SettingsLoader.load(f, null, Map.of()));
  }

  private List<String> problems(String yaml) {
    return assertThrows(SettingsException.class, () -> validate(yaml)).problems();
  }

  @Test
  void withoutARunnerSectionTheRunIsDirect() throws Exception {
    assertThat(validate(PIPELINE).runner(), is(RunnerOptions.defaults(RunnerProfile.DIRECT)));
  }

  @Test
  void theRunnerSectionSetsEveryFlinkOption() throws Exception {
    RunnerOptions r =
        validate(
                PIPELINE
                    + POSTGRES
                    + """
        runner:
          profile: flink-cluster
          flink_master: localhost:8081
          parallelism: 4
          max_parallelism: 128
          checkpointing_interval_ms: 5000
          checkpointing_mode: at_least_once
          checkpoint_timeout_ms: 60000
          min_pause_between_checkpoints_ms: 1000
          restart_attempts: 5
          restart_delay_ms: 2000
          object_reuse: true
        """)
            .runner();
    assertThat(
        r,
        is(
            RunnerOptions.defaults(RunnerProfile.FLINK_CLUSTER)
                .withParallelism(4)
                .withMaxParallelism(128)
                .withFlinkMaster("localhost:8081")
                .withCheckpointing(5000, RunnerOptions.CheckpointingMode.AT_LEAST_ONCE, 60000, 1000)
                .withRestarts(5, 2000)
                .withObjectReuse(true)));
  }

  @Test
  void aSqliteLandscapeIsRefusedOnAFlinkRunnerNamingTheKey() {
    List<String> p = problems(PIPELINE + "runner: {profile: flink-local}\n");
    assertThat(
        p,
        contains(startsWith("landscape.url: the flink-local runner needs a server" + " database")));
  }

  @Test
  void theCommandLineChoiceOfFlinkIsCheckedAgainstTheLandscapeToo() throws Exception {
    PipelineSettings direct = validate(PIPELINE);
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                direct.onRunner(
                    direct
                        .runner()
                        .withProfile(RunnerProfile.FLINK_CLUSTER)
                        .withFlinkMaster("h:1")));
    assertThat(e.problems(), contains(startsWith("landscape.url: the flink-cluster runner")));
    PipelineSettings pg = validate(PIPELINE + POSTGRES);
    assertThat(
        pg.onRunner(pg.runner().withProfile(RunnerProfile.FLINK_LOCAL)).runner().profile(),
        is(RunnerProfile.FLINK_LOCAL));
  }

  @Test
  void badRunnerValuesAreNamed() {
    assertThat(
        problems(PIPELINE + "runner: {profile: spark}\n"), hasItem(startsWith("runner.profile:")));
    assertThat(
        problems(PIPELINE + POSTGRES + "runner: {profile: flink-cluster}\n"),
        hasItem(startsWith("runner.flink_master: the flink-cluster runner needs")));
    assertThat(
        problems(
            PIPELINE
                + POSTGRES
                + "runner: {profile: flink-cluster, flink_master: \"http://x:8081\"}\n"),
        hasItem(startsWith("runner.flink_master: expected host:port")));
    assertThat(
        problems(PIPELINE + "runner: {parallelism: -1, restart_attempts: -2}\n"),
        hasItem(startsWith("runner.parallelism: expected 0")));
    assertThat(
        problems(PIPELINE + "runner: {parralelism: 2}\n"),
        hasItem(startsWith("runner.parralelism")));
  }
}
