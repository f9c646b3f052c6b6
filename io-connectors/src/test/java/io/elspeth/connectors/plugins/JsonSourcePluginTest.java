package io.elspeth.connectors.plugins;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.token.Token;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.testkit.BeamPipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonSourcePluginTest {

  private final JsonSourcePlugin plugin = new JsonSourcePlugin();

  @TempDir Path dir;

  private static Map<String, Object> options(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  private OptionsValidator.Result check(Map<String, Object> raw) {
    return OptionsValidator.validate(raw, plugin.options(), "source.options", Set.of());
  }

  private PluginOptions valid(Object... keysAndValues) {
    OptionsValidator.Result result = check(options(keysAndValues));
    assertThat(result.problems(), is(empty()));
    return result.options();
  }

  @Test
  void dataKeyWithFormatJsonlIsAProblem() {
    PluginOptions opts =
        valid(
            "path",
            "in.json",
            "on_validation_failure",
            "discard",
            "format",
            "jsonl",
            "data_key",
            "items");

    assertThat(plugin.validate(opts), contains("data_key: only applies to format json, not jsonl"));
  }

  @Test
  void dataKeyWithAJsonlExtensionAndNoFormatIsAProblem() {
    PluginOptions opts =
        valid("path", "in.JSONL", "on_validation_failure", "discard", "data_key", "items");

    assertThat(plugin.validate(opts), contains(containsString("data_key")));
  }

  @Test
  void dataKeyWithFormatJsonHasNoProblems() {
    PluginOptions opts =
        valid(
            "path",
            "in.jsonl",
            "on_validation_failure",
            "discard",
            "format",
            "json",
            "data_key",
            "items");

    assertThat(plugin.validate(opts), is(empty()));
  }

  @Test
  void formatOtherThanJsonOrJsonlIsAProblem() {
    OptionsValidator.Result result =
        check(options("path", "in.json", "on_validation_failure", "discard", "format", "csv"));

    assertThat(
        result.problems(),
        contains("source.options.format: expected one of [json, jsonl], got 'csv'"));
  }

  @Test
  void preflightOfAMissingFileNamesItsPath() {
    Path missing = dir.resolve("missing.json");
    PluginOptions opts = valid("path", missing.toString(), "on_validation_failure", "discard");

    assertThat(
        plugin.preflight(opts),
        contains("path: input file not found: " + missing.toAbsolutePath()));
  }

  @Test
  void createdSourceReadsAJsonlFileByItsExtension() throws Throwable {
    Path file = Files.writeString(dir.resolve("in.jsonl"), "{\"id\": 1}\n{\"id\": 2}\n");
    PluginOptions opts = valid("path", file.toString(), "on_validation_failure", "discard");
    StepContext ctx = new StepContext("run", "src", "source", 0, Map.of(), "discard");

    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(plugin.create(opts, ctx));

          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    List<Token> sorted = new ArrayList<>();
                    tokens.forEach(sorted::add);
                    sorted.sort(Token::compareBySourceOrder);
                    assertThat(
                        sorted.stream().map(Token::data).toList(),
                        contains(options("id", 1L), options("id", 2L)));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }
}
