package io.elspeth.connectors.plugins;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonSinkPluginTest {
  /** File writers make no external calls; the recorder must stay empty. */
  private static final OperationCalls FILE_CALLS = new OperationCalls("run-test", "op_file");

  private final JsonSinkPlugin plugin = new JsonSinkPlugin();

  @TempDir Path dir;

  private PluginOptions valid(Map<String, Object> raw) {
    OptionsValidator.Result result =
        OptionsValidator.validate(raw, plugin.options(), "sinks.out.options", Set.of());
    assertThat(result.problems(), is(empty()));
    return result.options();
  }

  @Test
  void negativeIndentIsAProblem() {
    PluginOptions opts = valid(Map.of("path", "out.json", "indent", -2L));

    assertThat(plugin.validate(opts), contains("indent: expected 0 or more"));
  }

  @Test
  void zeroOrPositiveIndentHasNoProblems() {
    assertThat(plugin.validate(valid(Map.of("path", "out.json", "indent", 0L))), is(empty()));
    assertThat(plugin.validate(valid(Map.of("path", "out.json", "indent", 4L))), is(empty()));
  }

  @Test
  void createdWriterWritesJsonLinesForAJsonlPath() throws Exception {
    Path file = dir.resolve("out.jsonl");

    plugin
        .create(valid(Map.of("path", file.toString())))
        .write(List.of(Map.of("id", 1L), Map.of("id", 2L)), FILE_CALLS);

    assertThat(Files.readAllLines(file), contains("{\"id\": 1}", "{\"id\": 2}"));
  }

  @Test
  void formatJsonOverridesAJsonlExtensionAndIndents() throws Exception {
    Path file = dir.resolve("out.jsonl");

    plugin
        .create(valid(Map.of("path", file.toString(), "format", "json", "indent", 2L)))
        .write(List.of(Map.of("id", 1L)), FILE_CALLS);

    assertThat(Files.readAllLines(file).get(0), is("["));
    assertThat(Files.readAllLines(file).get(1), is("  {"));
  }
}
