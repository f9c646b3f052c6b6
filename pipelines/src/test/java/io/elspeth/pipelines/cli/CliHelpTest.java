package io.elspeth.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code elspeth --help} and {@code elspeth plugins list -v} print. */
class CliHelpTest {
  private record Out(int code, String out, String err) {}

  private static Out cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        ElspethCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args);
    return new Out(code, out.toString(), err.toString());
  }

  @Test
  void theTopLevelHelpListsTheTestkitTools() {
    Out o = cli("--help");
    assertThat(
        o.out(), containsString("  chaosllm   Run ChaosLLM, the fake OpenAI/Azure AI server"));
    assertThat(o.out(), containsString("  azurite    Run Azurite, the Azure Blob emulator"));
    assertThat(o.out(), containsString("  landscape  Maintain a Landscape database"));
  }

  @Test
  void chaosllmOutsideBinElspethSaysWhereItRuns() {
    Out o = cli("chaosllm", "serve", "--port", "8199");
    assertThat(o.code(), is(2));
    assertThat(o.err(), containsString("start it with bin/elspeth chaosllm serve --port 8199"));
  }

  @Test
  void everyOptionLineIsAlignedAndNoDefaultIsBlank() {
    Out o = cli("plugins", "list", "-v");
    assertThat(o.out(), not(containsString("(default )")));
    // Option lines: six spaces, the name, at least two spaces, the description.
    Pattern option = Pattern.compile("^ {6}(\\S+)( +)\\S.*$", Pattern.MULTILINE);
    Matcher m = option.matcher(o.out());
    Set<Integer> starts = new java.util.HashSet<>();
    List<String> names = new java.util.ArrayList<>();
    while (m.find()) {
      starts.add(m.group(1).length() + m.group(2).length());
      names.add(m.group(1));
      assertThat(m.group(0), m.group(2).length() >= 2, is(true));
    }
    assertThat(names, not(hasSize(0)));
    assertThat("descriptions start in one column", starts, hasSize(1));
  }

  @Test
  void aDryRunWithAMissingInputPrintsTheErrorWithoutThePlan(@TempDir Path dir) throws Exception {
    Path settings =
        Files.writeString(
            dir.resolve("s.yaml"),
            """
        source: {plugin: csv, options: {path: %s, on_validation_failure: discard}}
        sinks: {out: {plugin: csv, options: {path: %s}}}
        landscape: {url: "sqlite:///%s"}
        """
                .formatted(
                    dir.resolve("missing.csv"),
                    dir.resolve("out.csv"),
                    dir.resolve("landscape.db")));
    Out o = cli("run", "-s", settings.toString());
    assertThat(o.code(), is(1));
    assertThat(o.err(), containsString("missing.csv"));
    assertThat(o.out(), not(containsString("step ")));
  }
}
