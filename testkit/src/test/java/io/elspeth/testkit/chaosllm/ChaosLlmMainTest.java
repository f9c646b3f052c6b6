package io.elspeth.testkit.chaosllm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ChaosLlmMainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = ChaosLlmMain.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void showConfigAppliesFlagsOverThePreset() throws Exception {
    assertThat(
        run(
            "show-config",
            "--preset",
            "gentle",
            "--rate-limit-pct",
            "7",
            "--error-pct",
            "8",
            "--latency-ms",
            "100",
            "--response-mode",
            "echo",
            "--port",
            "9100"),
        is(0));
    JsonNode config = Http.JSON.readTree(out.toString());
    assertThat(config.path("preset_name").asText(), is("gentle"));
    assertThat(config.path("error_injection").path("rate_limit_pct").asDouble(), is(7.0));
    assertThat(config.path("error_injection").path("bad_gateway_pct").asDouble(), is(2.0));
    assertThat(config.path("error_injection").path("capacity_529_pct").asDouble(), is(0.5));
    assertThat(config.path("latency").path("base_ms").asInt(), is(100));
    assertThat(config.path("response").path("mode").asText(), is("echo"));
    assertThat(config.path("server").path("port").asInt(), is(9100));
    assertThat(config.path("server").path("https_port").asInt(), is(9101));
  }

  @Test
  void cliDefaultsToTheReferencePorts() throws Exception {
    assertThat(run("show-config"), is(0));
    JsonNode config = Http.JSON.readTree(out.toString());
    assertThat(config.path("server").path("port").asInt(), is(8000));
    assertThat(config.path("server").path("https_port").asInt(), is(8001));
  }

  @Test
  void badPresetIsAClearErrorWithExitCode2() {
    assertThat(run("serve", "--preset", "nope", "--port", "0"), is(2));
    assertThat(err.toString(), containsString("unknown ChaosLLM preset 'nope'"));
  }

  @Test
  void presetsAreListed() {
    assertThat(run("presets"), is(0));
    assertThat(out.toString(), containsString("stress_extreme"));
  }
}
