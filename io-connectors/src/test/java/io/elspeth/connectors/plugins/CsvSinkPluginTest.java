package io.elspeth.connectors.plugins;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSinkPluginTest {
  /** File writers make no external calls; the recorder must stay empty. */
  private static final OperationCalls FILE_CALLS = new OperationCalls("run-test", "op_file");

  private final CsvSinkPlugin plugin = new CsvSinkPlugin();

  @TempDir Path dir;

  private static Map<String, Object> options(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  private OptionsValidator.Result check(Map<String, Object> raw) {
    return OptionsValidator.validate(raw, plugin.options(), "sinks.out.options", Set.of());
  }

  private PluginOptions valid(Object... keysAndValues) {
    OptionsValidator.Result result = check(options(keysAndValues));
    assertThat(result.problems(), is(empty()));
    return result.options();
  }

  @Test
  void pathIsRequired() {
    assertThat(
        check(options()).problems(),
        contains(startsWith("sinks.out.options.path: required option missing")));
  }

  @Test
  void delimiterOfMoreThanOneCharacterIsAProblem() {
    PluginOptions opts = valid("path", "out.csv", "delimiter", "||");

    assertThat(plugin.validate(opts), contains("delimiter: expected a single character, got '||'"));
  }

  @Test
  void defaultOptionsHaveNoProblems() {
    assertThat(plugin.validate(valid("path", "out.csv")), is(empty()));
  }

  @Test
  void modeOtherThanWriteOrAppendIsAProblem() {
    assertThat(
        check(options("path", "out.csv", "mode", "overwrite")).problems(),
        contains("sinks.out.options.mode: expected one of [write, append], got 'overwrite'"));
  }

  @Test
  void createdWriterUsesDelimiterSchemaAndDisplayHeaders() throws Exception {
    Path file = dir.resolve("out.csv");
    PluginOptions opts =
        valid(
            "path",
            file.toString(),
            "delimiter",
            "|",
            "headers",
            Map.of("id", "ID"),
            "schema",
            options("mode", "free", "fields", List.of("id: int", "name: str")));

    plugin
        .create(opts)
        .write(List.of(options("name", "alice", "id", 1L, "extra", true)), FILE_CALLS);

    assertThat(Files.readString(file), is("ID|name|extra\r\n1|alice|True\r\n"));
  }

  @Test
  void createdWriterInAppendModeKeepsExistingRows() throws Exception {
    Path file = Files.writeString(dir.resolve("out.csv"), "id\n1\n");
    PluginOptions opts = valid("path", file.toString(), "mode", "append");

    plugin.create(opts).write(List.of(options("id", 2L)), FILE_CALLS);

    assertThat(Files.readString(file), is("id\n1\n2\r\n"));
  }
}
