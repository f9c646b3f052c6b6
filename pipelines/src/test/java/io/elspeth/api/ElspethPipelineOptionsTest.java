package io.elspeth.api;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.pipelines.settings.SettingsException;
import io.elspeth.plugin.ElspethPipelineOptions;
import io.elspeth.testkit.beam.ElspethExtension;
import io.elspeth.testkit.beam.TestLandscape;
import io.elspeth.testkit.otlp.OtlpReceiver;
import io.elspeth.testkit.otlp.ReceivedSpan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code telemetry} pipeline option: the settings' telemetry section given to a Beam program as
 * an option, validated as the settings' own, and used by the launcher's lifecycle events and the
 * Landscape commit's row events alike.
 */
@ExtendWith(ElspethExtension.class)
class ElspethPipelineOptionsTest {
  @TempDir Path dir;

  private String settings() throws Exception {
    Path input = Files.writeString(dir.resolve("in.csv"), "id,name\n1,a\n2,b\n3,c\n");
    return """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "name: str"]}
            on_validation_failure: discard
        sinks:
          out: {plugin: csv, options: {path: %s}}
        """
        .formatted(input, dir.resolve("out.csv"));
  }

  @Test
  void theTelemetryOptionSendsTheRunsEventsToItsExporter(TestPipeline p, TestLandscape landscape)
      throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      ElspethPipelineOptions.of(p.getOptions())
          .setTelemetry(
              """
          {"enabled": true, "granularity": "full",
           "exporters": [{"name": "otlp",
                          "options": {"endpoint": "%s", "protocol": "http/protobuf"}}]}
          """
                  .formatted(receiver.httpEndpoint()));
      ElspethPipeline elspeth = ElspethPipeline.fromYaml(settings());
      p.apply("elspeth", elspeth);

      RunResult run = elspeth.run(p);

      assertThat(run.toString(), run.status(), equalTo("completed"));
      landscape.assertRun(run.runId()).reconciles();
      List<ReceivedSpan> spans = receiver.spans();
      List<String> names = spans.stream().map(ReceivedSpan::name).toList();
      assertThat(names.get(0), equalTo("RunStarted"));
      assertThat(names.get(names.size() - 1), equalTo("RunFinished"));
      // Row events come from the Landscape commit, after its transactions.
      assertThat(names.stream().filter("RowCreated"::equals).count(), equalTo(3L));
      assertThat(names, hasItem("TokenCompleted"));
      assertThat(
          spans.stream().map(s -> s.attr("run_id")).toList(), everyItem(equalTo(run.runId())));
    }
  }

  @Test
  void aBadTelemetryOptionFailsWithTheSettingsValidatorsMessage() throws Exception {
    var options =
        PipelineOptionsFactory.fromArgs(
                "--telemetry={\"enabled\": true, \"exporters\": [{\"name\": \"carrier_pigeon\"}]}")
            .create();
    var pipeline = org.apache.beam.sdk.Pipeline.create(options);
    ElspethPipeline elspeth = ElspethPipeline.fromYaml(settings());

    SettingsException e =
        assertThrows(SettingsException.class, () -> pipeline.apply("elspeth", elspeth));

    assertThat(e.getMessage(), containsString("telemetry.exporters"));
    assertThat(e.getMessage(), containsString("carrier_pigeon"));
  }
}
