package io.elspeth.pipelines.graph;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsLoader;
import io.elspeth.pipelines.settings.SettingsValidator;
import io.elspeth.runners.RunnerProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs a whole (three-row) pipeline on the DirectRunner: tagged as the end-to-end tests are. */
@Tag("e2e")
class PipelineGraphBuilderTest {
  @TempDir Path dir;

  /**
   * The benchmark harness's baseline: audit records made but not committed. Its sinks must publish
   * without waiting for tokens that nothing commits (they waited 600 s and failed).
   */
  @Test
  void aPipelineWhoseAuditIsNotCommittedWritesItsSinksAndLeavesTheLandscapeEmpty()
      throws Exception {
    Files.writeString(dir.resolve("in.csv"), "id,amount\n1,5\n2,1500\n3,7\n");
    Path f = dir.resolve("s.yaml");
    Files.writeString(
        f,
        """
        source:
          plugin: csv
          options: {path: "%1$s/in.csv", schema: {mode: strict, fields: ["id: int", "amount: float"]},
            on_validation_failure: discard}
        gates:
          - name: big
            condition: "row['amount'] > 1000"
            routes: {"true": high, "false": continue}
        sinks:
          normal: {plugin: csv, options: {path: "%1$s/normal.csv"}}
          high: {plugin: csv, options: {path: "%1$s/high.csv"}}
        default_sink: normal
        landscape: {url: "sqlite:///%1$s/landscape.db"}
        payload_store: {base_path: "%1$s/payloads"}
        """
            .formatted(dir));
    PipelineSettings settings =
        new SettingsValidator(PluginRegistry.builtIn())
            .validate(f, SettingsLoader.load(f, null, Map.of()));
    Pipeline pipeline = Pipeline.create(RunnerProfile.DIRECT.options(0));
    PipelineGraphBuilder.build(
        pipeline, PipelinePlan.of("unaudited-run", settings, new SecretFingerprinter(null)), false);

    pipeline.run().waitUntilFinish();

    String normal = Files.readString(dir.resolve("normal.csv"));
    assertThat(normal, containsString("1,5"));
    assertThat(normal, containsString("3,7"));
    assertThat(Files.readString(dir.resolve("high.csv")), containsString("2,1500"));
    assertThat(Files.exists(dir.resolve("landscape.db")), is(false));
  }
}
