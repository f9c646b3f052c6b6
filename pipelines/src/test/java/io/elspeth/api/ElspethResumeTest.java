package io.elspeth.api;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.pipelines.launch.ResumePoint;
import io.elspeth.plugin.ElspethPipelineOptions;
import io.elspeth.testkit.beam.ElspethExtension;
import io.elspeth.testkit.beam.TestLandscape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resuming through the Java API ({@link ElspethPipeline#resume}) on the command's resume path: a
 * run interrupted after three of six rows is resumed on a TestPipeline, which processes only the
 * three unfinished rows, appends them to the sink, and records the run it resumes.
 */
@ExtendWith(ElspethExtension.class)
class ElspethResumeTest {
  @TempDir Path dir;

  private String settings() throws Exception {
    Path input = dir.resolve("in.csv");
    Files.writeString(input, "id,name\n0,a\n1,b\n2,c\n3,d\n4,e\n5,f\n");
    return """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "name: str"]}
            on_validation_failure: discard
        transforms:
          - plugin: passthrough
        sinks:
          out: {plugin: csv, options: {path: %s}}
        """
        .formatted(input, dir.resolve("out.csv"));
  }

  /** A whole first run on a plain DirectRunner pipeline recording in {@code landscape}. */
  private String firstRun(String settings, TestLandscape landscape) {
    Pipeline first = Pipeline.create(PipelineOptionsFactory.create());
    ElspethPipelineOptions.of(first.getOptions()).setLandscapeUrl(landscape.url());
    ElspethPipeline elspeth = ElspethPipeline.fromYaml(settings);
    first.apply("elspeth", elspeth);
    RunResult run = elspeth.run(first);
    assertThat(run.toString(), run.status(), equalTo("completed"));
    return run.runId();
  }

  /** What a crash after three rows leaves: later rows without outcomes or output, run failed. */
  private void interruptAfterThreeRows(TestLandscape landscape, String runId) throws Exception {
    try (Connection c = landscape.connect();
        Statement s = c.createStatement()) {
      s.execute(
          "DELETE FROM token_outcomes WHERE token_id IN (SELECT t.token_id FROM tokens t"
              + " JOIN rows r ON r.row_id = t.row_id WHERE r.row_index >= 3)");
      s.execute("UPDATE runs SET status = 'failed' WHERE run_id = '" + runId + "'");
    }
    Files.write(dir.resolve("out.csv"), List.of("id,name", "0,a", "1,b", "2,c"));
  }

  @Test
  void anInterruptedRunResumedThroughTheApiFinishesOnlyTheUnfinishedRows(
      TestPipeline p, TestLandscape landscape) throws Exception {
    String settings = settings();
    String first = firstRun(settings, landscape);
    interruptAfterThreeRows(landscape, first);

    RunResult resumed =
        ElspethPipeline.fromYaml(settings)
            .resume(
                p,
                first,
                result ->
                    PAssert.that(result.sink("out"))
                        .satisfies(
                            rows -> {
                              List<Long> ids = new ArrayList<>();
                              rows.forEach(r -> ids.add(((Number) r.get("id")).longValue()));
                              assertThat(ids, containsInAnyOrder(3L, 4L, 5L));
                              return null;
                            }));

    assertThat(resumed.toString(), resumed.status(), equalTo("completed"));
    assertThat(
        Files.readAllLines(dir.resolve("out.csv")),
        equalTo(List.of("id,name", "0,a", "1,b", "2,c", "3,d", "4,e", "5,f")));
    landscape.assertRun(resumed.runId()).reconciles().hasOutcomes("out", "completed", 3);
    try (Connection c = landscape.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT result_type, result_json FROM preflight_results"
                    + " WHERE run_id = '"
                    + resumed.runId()
                    + "'")) {
      rs.next();
      assertThat(rs.getString(1), equalTo("dependency_run"));
      assertThat(rs.getString(2), containsString(first));
    }
  }

  @Test
  void aCompletedRunIsNotResumed(TestLandscape landscape) throws Exception {
    String settings = settings();
    String first = firstRun(settings, landscape);
    Pipeline again = Pipeline.create(PipelineOptionsFactory.create());
    ElspethPipelineOptions.of(again.getOptions()).setLandscapeUrl(landscape.url());

    ResumePoint.ResumeException e =
        assertThrows(
            ResumePoint.ResumeException.class,
            () -> ElspethPipeline.fromYaml(settings).resume(again, first));

    assertThat(e.getMessage(), containsString("nothing to resume"));
  }
}
