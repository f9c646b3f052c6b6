package io.elspeth.examples.plugin;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.elspeth.api.ElspethPipeline;
import io.elspeth.api.ElspethResult;
import io.elspeth.api.ElspethTransforms;
import io.elspeth.api.RunResult;
import io.elspeth.api.StepResult;
import io.elspeth.pipelines.cli.ElspethCli;
import io.elspeth.testkit.beam.ElspethExtension;
import io.elspeth.testkit.beam.TestLandscape;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin on the classpath, listed in its jar's META-INF/services and registered nowhere else, is
 * found by the command line (listed, validated, run) and by the Java API.
 */
@ExtendWith(ElspethExtension.class)
class UppercasePluginTest {
  @TempDir Path dir;

  private String settings(String landscape) throws IOException {
    Path input = Files.writeString(dir.resolve("in.csv"), "id,name\n1,ada\n2,grace\n");
    return """
        source:
          plugin: csv
          options:
            path: %s
            schema: {mode: strict, fields: ["id: int", "name: str"]}
            on_validation_failure: discard
        transforms:
          - plugin: uppercase
            options: {fields: [name]}
        sinks:
          out: {plugin: csv, options: {path: %s}}
        landscape: {url: "%s"}
        payload_store: {base_path: %s}
        """
        .formatted(input, dir.resolve("out.csv"), landscape, dir.resolve("payloads"));
  }

  @Test
  void theCommandListsAndRunsThePlugin() throws IOException {
    StringWriter listed = new StringWriter();
    int code =
        ElspethCli.commandLine(new PrintWriter(listed), new PrintWriter(new StringWriter()))
            .execute("plugins", "list");
    assertThat(code, equalTo(0));
    assertThat(listed.toString(), containsString("uppercase"));

    Path settings =
        Files.writeString(
            dir.resolve("settings.yaml"), settings("sqlite:///" + dir.resolve("landscape.db")));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    code =
        ElspethCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
            .execute("run", "-s", settings.toString(), "--execute");
    assertThat(err.toString(), code, equalTo(0));
    assertThat(Files.readAllLines(dir.resolve("out.csv")), contains("id,name", "1,ADA", "2,GRACE"));
  }

  @Test
  void theJavaApiRunsThePlugin(TestPipeline p, TestLandscape landscape) throws IOException {
    ElspethPipeline elspeth = ElspethPipeline.fromYaml(settings(landscape.url()));
    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.that(result.sink("out"))
        .satisfies(
            rows -> {
              assertThat(
                  StreamSupport.stream(rows.spliterator(), false)
                      .map((Map<String, Object> r) -> (String) r.get("name"))
                      .sorted()
                      .toList(),
                  contains("ADA", "GRACE"));
              return null;
            });
    RunResult run = elspeth.run(p);
    assertThat(run.toString(), run.succeeded(), equalTo(true));
    landscape.assertRun(run.runId()).reconciles().hasOutcomes("out", "completed", 2);
  }

  @Test
  void theJavaApiAppliesThePluginAsATransformOfItsOwn(TestPipeline p) {
    StepResult upper =
        p.apply(ElspethTransforms.rows(List.of(Map.of("name", "ada"), Map.of("name", "grace"))))
            .apply(ElspethTransforms.transform("uppercase").withOption("fields", List.of("name")));
    PAssert.that(upper.main())
        .satisfies(
            tokens -> {
              assertThat(
                  StreamSupport.stream(tokens.spliterator(), false)
                      .map(t -> (String) t.data().get("name"))
                      .sorted()
                      .toList(),
                  contains("ADA", "GRACE"));
              return null;
            });
    p.run().waitUntilFinish();
  }
}
