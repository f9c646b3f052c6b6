package io.elspeth.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.pipelines.plugins.PluginRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the CLI prints for a failure. */
class CliErrorsTest {
  @AfterEach
  void forget() {
    CliErrors.forgetSecrets();
  }

  @Test
  void theCauseChainIsSaidOnceOutermostFirst() {
    IOException io = new IOException("sink 'out' could not write /x/out.csv");
    RuntimeException wrapped =
        new RuntimeException(new IllegalStateException("run failed", new UncheckedIOException(io)));
    assertThat(CliErrors.message(wrapped), is("run failed: sink 'out' could not write /x/out.csv"));
  }

  @Test
  void fileErrorsSayWhatHappenedToThePath() {
    assertThat(
        CliErrors.message(new UncheckedIOException(new NoSuchFileException("/proc/x"))),
        is("no such file or folder: /proc/x"));
    assertThat(CliErrors.message(new MalformedInputException(1)), is("not valid UTF-8 text"));
  }

  @Test
  void aCyclicCauseChainEnds() {
    IllegalStateException a = new IllegalStateException("a");
    IllegalStateException b = new IllegalStateException("b", a);
    a.initCause(b);
    assertThat(CliErrors.message(a), is("a: b"));
  }

  @Test
  void secretsAreScrubbedFromMessagesAndTraces() {
    CliErrors.secretsOf(
        Map.of("transforms", List.of(Map.of("options", Map.of("api_key", "sk-live-123456")))),
        PluginRegistry.installed().all());
    RuntimeException e =
        new RuntimeException(
            "bad key sk-live-123456 for" + " postgresql://u:hunter2@h/db and AccountKey=abcdef==;",
            new IllegalStateException("again sk-live-123456"));
    StringWriter err = new StringWriter();
    CliErrors.print(new PrintWriter(err), e, true);
    assertThat(
        err.toString(),
        allOf(
            containsString("elspeth: bad key *** for" + " postgresql://u:***@h/db"),
            containsString("Caused by: java.lang.IllegalStateException:" + " again ***"),
            containsString("\tat "),
            not(containsString("sk-live")),
            not(containsString("hunter2")),
            not(containsString("abcdef"))));
  }

  @Test
  void anOptionDeclaredNotSecretIsPrintedWhateverItsName() {
    CliErrors.secretsOf(
        Map.of(
            "sinks",
                Map.of(
                    "out",
                    Map.of(
                        "plugin",
                        "database",
                        "options",
                        Map.of("upsert_key", "customer_ref", "url", "sqlite:///x.db"))),
            "transforms", List.of(Map.of("options", Map.of("custom_key", "undeclared-secret")))),
        PluginRegistry.installed().all());
    assertThat(
        CliErrors.message(
            new IllegalStateException(
                "upsert_key field 'customer_ref' is" + " in no row; custom_key undeclared-secret")),
        is("upsert_key field 'customer_ref' is in no row; custom_key ***"));
  }

  @Test
  void withoutVerboseThereIsOneLineAndNoTrace() {
    StringWriter err = new StringWriter();
    CliErrors.print(
        new PrintWriter(err),
        new IllegalStateException("broken", new IOException("disk full")),
        false);
    assertThat(err.toString(), is("elspeth: broken: disk full" + System.lineSeparator()));
  }
}
