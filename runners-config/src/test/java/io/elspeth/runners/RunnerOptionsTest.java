package io.elspeth.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunnerOptionsTest {
  @Test
  void directRunsOnTheDirectRunnerWithItsParallelism() {
    DirectOptions o =
        RunnerOptions.defaults(RunnerProfile.DIRECT)
            .withParallelism(3)
            .pipelineOptions()
            .as(DirectOptions.class);
    assertThat(o.getRunner(), is(DirectRunner.class));
    assertThat(o.getTargetParallelism(), is(3));
    assertThat(o.isEnforceImmutability(), is(false));
  }

  @Test
  void flinkLocalRunsOnAnEmbeddedClusterInBatchModeWithRestarts() {
    FlinkPipelineOptions o =
        RunnerOptions.defaults(RunnerProfile.FLINK_LOCAL)
            .withParallelism(2)
            .pipelineOptions()
            .as(FlinkPipelineOptions.class);
    assertThat(o.getRunner(), is(FlinkRunner.class));
    assertThat(o.getFlinkMaster(), is("[local]"));
    assertThat(o.getParallelism(), is(2));
    assertThat(o.isStreaming(), is(false));
    assertThat(o.getNumberOfExecutionRetries(), is(RunnerOptions.DEFAULT_RESTART_ATTEMPTS));
    assertThat(o.getExecutionRetryDelay(), is(RunnerOptions.DEFAULT_RESTART_DELAY_MS));
  }

  @Test
  void theRestartStrategyReachesFlinkThroughItsConfigurationAndTheUsersKeysWin(
      @TempDir Path userConf) throws Exception {
    FlinkPipelineOptions o =
        RunnerOptions.defaults(RunnerProfile.FLINK_LOCAL)
            .withRestarts(4, 250)
            .pipelineOptions()
            .as(FlinkPipelineOptions.class);
    String conf = Files.readString(Path.of(o.getFlinkConfDir()).resolve("flink-conf.yaml"));
    assertThat(conf, containsString("restart-strategy.type: fixed-delay"));
    assertThat(conf, containsString("restart-strategy.fixed-delay.attempts: 4"));
    assertThat(conf, containsString("restart-strategy.fixed-delay.delay: 250 ms"));

    Files.writeString(
        userConf.resolve("flink-conf.yaml"),
        "taskmanager.numberOfTaskSlots: 4\nrestart-strategy.type: none\n");
    FlinkPipelineOptions u =
        RunnerOptions.defaults(RunnerProfile.FLINK_LOCAL)
            .withFlinkConfDir(userConf.toString())
            .pipelineOptions()
            .as(FlinkPipelineOptions.class);
    String merged = Files.readString(Path.of(u.getFlinkConfDir()).resolve("flink-conf.yaml"));
    assertThat(merged, containsString("taskmanager.numberOfTaskSlots: 4"));
    assertThat(merged, not(containsString("fixed-delay")));
  }

  @Test
  void aCheckpointingIntervalRunsTheJobInStreamingModeWithCheckpoints() {
    FlinkPipelineOptions o =
        RunnerOptions.defaults(RunnerProfile.FLINK_CLUSTER)
            .withFlinkMaster(RunnerOptions.FLINK_MASTER_AUTO)
            .withCheckpointing(2000, RunnerOptions.CheckpointingMode.AT_LEAST_ONCE, 30000, 500)
            .pipelineOptions()
            .as(FlinkPipelineOptions.class);
    assertThat(o.getFlinkMaster(), is("[auto]"));
    assertThat(o.isStreaming(), is(true));
    assertThat(o.getCheckpointingInterval(), is(2000L));
    assertThat(o.getCheckpointingMode(), is("AT_LEAST_ONCE"));
    assertThat(o.getCheckpointTimeoutMillis(), is(30000L));
    assertThat(o.getMinPauseBetweenCheckpoints(), is(500L));
    assertThat(o.getShutdownSourcesAfterIdleMs(), is(0L));
  }

  @Test
  void flinkClusterWithoutAMasterCannotMakeOptions() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RunnerOptions.defaults(RunnerProfile.FLINK_CLUSTER).pipelineOptions());
    assertThat(e.getMessage().startsWith("runner.flink_master"), is(true));
  }

  @Test
  void flinkClusterSubmitsTheJobJarAsTheJobsOnlyJar(@TempDir Path tmp) throws Exception {
    Path jar = Files.createFile(tmp.resolve("pipelines-1-flink-job.jar"));
    String before = System.getProperty(FlinkJobJar.PROPERTY);
    System.setProperty(FlinkJobJar.PROPERTY, jar.toString());
    try {
      FlinkPipelineOptions o =
          (FlinkPipelineOptions)
              RunnerOptions.defaults(RunnerProfile.FLINK_CLUSTER)
                  .withFlinkMaster("localhost:8081")
                  .pipelineOptions();
      assertThat(o.getFlinkMaster(), is("localhost:8081"));
      assertThat(o.getFilesToStage(), is(java.util.List.of(jar.toString())));
    } finally {
      if (before == null) {
        System.clearProperty(FlinkJobJar.PROPERTY);
      } else {
        System.setProperty(FlinkJobJar.PROPERTY, before);
      }
    }
  }

  @Test
  void aMissingJobJarIsNamedWithWhereItWasLookedFor(@TempDir Path tmp) {
    String before = System.getProperty(FlinkJobJar.PROPERTY);
    System.setProperty(FlinkJobJar.PROPERTY, tmp.resolve("absent.jar").toString());
    try {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  RunnerOptions.defaults(RunnerProfile.FLINK_CLUSTER)
                      .withFlinkMaster("localhost:8081")
                      .pipelineOptions());
      assertThat(e.getMessage(), containsString("absent.jar, which does not exist"));
    } finally {
      if (before == null) {
        System.clearProperty(FlinkJobJar.PROPERTY);
      } else {
        System.setProperty(FlinkJobJar.PROPERTY, before);
      }
    }
  }

  @Test
  void autoRunsOnTheClusterOfTheFlinkClientRunningTheProgram() {
    RunnerOptions auto =
        RunnerOptions.defaults(RunnerProfile.FLINK_CLUSTER)
            .withFlinkMaster(RunnerOptions.FLINK_MASTER_AUTO);
    assertThat(auto.problems().isEmpty(), is(true));
    FlinkPipelineOptions o = (FlinkPipelineOptions) auto.pipelineOptions();
    assertThat(o.getFlinkMaster(), is("[auto]"));
    assertThat(o.getFilesToStage() == null, is(true));
    assertThat(
        RunnerOptions.defaults(RunnerProfile.FLINK_CLUSTER)
            .withFlinkMaster("nowhere")
            .problems()
            .get(0),
        containsString("or 'auto'"));
  }

  @Test
  void profilesAreFoundByTheirSettingsName() {
    assertThat(RunnerProfile.byName("Flink-Local").orElseThrow(), is(RunnerProfile.FLINK_LOCAL));
    assertThat(RunnerProfile.byName("spark").isPresent(), is(false));
    assertThat(RunnerProfile.FLINK_CLUSTER.distributed(), is(true));
    assertThat(RunnerProfile.DIRECT.distributed(), is(false));
  }
}
