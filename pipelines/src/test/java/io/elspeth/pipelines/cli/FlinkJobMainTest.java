package io.elspeth.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.arrayContaining;

import org.junit.jupiter.api.Test;

class FlinkJobMainTest {
  @Test
  void aRunOrResumeWithoutARunnerGoesToTheFlinkClientsCluster() {
    assertThat(
        FlinkJobMain.onTheClientsCluster(new String[] {"run", "-s", "s.yaml", "-x"}),
        arrayContaining(
            "run", "-s", "s.yaml", "-x", "--runner", "flink-cluster", "--flink-master", "auto"));
    assertThat(
        FlinkJobMain.onTheClientsCluster(new String[] {"--verbose", "resume", "R", "-s", "run"}),
        arrayContaining(
            "--verbose",
            "resume",
            "R",
            "-s",
            "run",
            "--runner",
            "flink-cluster",
            "--flink-master",
            "auto"));
  }

  @Test
  void otherCommandsAndAChosenRunnerAreLeftAlone() {
    assertThat(
        FlinkJobMain.onTheClientsCluster(new String[] {"validate", "-s", "run"}),
        arrayContaining("validate", "-s", "run"));
    assertThat(
        FlinkJobMain.onTheClientsCluster(new String[] {"run", "-s", "s", "--runner", "direct"}),
        arrayContaining("run", "-s", "s", "--runner", "direct"));
  }
}
