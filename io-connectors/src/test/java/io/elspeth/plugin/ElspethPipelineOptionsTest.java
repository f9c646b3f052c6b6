package io.elspeth.plugin;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.CrashingRunner;
import org.junit.jupiter.api.Test;

/** The execution-model options default from the runner, and what is set wins. */
class ElspethPipelineOptionsTest {

  @Test
  void theDirectRunnerPacesTheSourceAndSpillsSinkRowsPerBundle() {
    ElspethPipelineOptions options = PipelineOptionsFactory.as(ElspethPipelineOptions.class);
    options.setRunner(DirectRunner.class);
    assertThat(options.getPaceSourceToCommit(), equalTo(true));
    assertThat(options.getSinkSpillsPerBundle(), equalTo(true));
    assertThat(options.getSpreadRowsAfterSource(), equalTo(false));
    assertThat(options.getReadSourceInParts(), equalTo(false));
  }

  @Test
  void anotherRunnerSpreadsRowsAndGroupsSinkRows() {
    ElspethPipelineOptions options = PipelineOptionsFactory.as(ElspethPipelineOptions.class);
    options.setRunner(CrashingRunner.class);
    assertThat(options.getPaceSourceToCommit(), equalTo(false));
    assertThat(options.getSinkSpillsPerBundle(), equalTo(false));
    assertThat(options.getSpreadRowsAfterSource(), equalTo(true));
    assertThat(options.getReadSourceInParts(), equalTo(true));
  }

  @Test
  void optionsParseFromTheCommandLineAndWinOverTheRunnersDefault() {
    ElspethPipelineOptions options =
        PipelineOptionsFactory.fromArgs(
                "--runner=DirectRunner",
                "--landscapeUrl=sqlite:///a.db",
                "--sinkSpillsPerBundle=false")
            .as(ElspethPipelineOptions.class);
    assertThat(options.getLandscapeUrl(), equalTo("sqlite:///a.db"));
    assertThat(options.getSinkSpillsPerBundle(), equalTo(false));
    assertThat(options.getPaceSourceToCommit(), equalTo(true));
  }
}
