package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.otlp.OtlpReceiver;
import io.elspeth.testkit.otlp.ReceivedSpan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LLM calls in telemetry: azure_llm against ChaosLLM through the real Azure OpenAI SDK, at
 * granularity full to a live OTLP receiver. Each committed call's span carries the GenAI
 * semantic-convention attributes (system, operation, request and response model, token usage as the
 * provider reported it), the request and response payloads as stored, and no secret.
 */
@Tag("e2e")
class LlmTelemetryEndToEndTest {
  @TempDir Path dir;

  @Test
  void llmCallSpansCarryTheGenAiAttributes() throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("positive")
                .build());
    Path in = dir.resolve("input.jsonl");
    Files.writeString(
        in,
        "{\"id\": 0, \"text\": \"one two three\"}\n"
            + "{\"id\": 1, \"text\": \"four five\"}\n{\"id\": 2, \"text\": \"six\"}\n");
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      String yaml =
          LlmTransformsEndToEndTest.header(dir, in)
              + "transforms:\n  - plugin: azure_llm\n    options:\n"
              + "      deployment_name: gpt-4o-mini\n"
              + "      endpoint: "
              + server.httpsUrl()
              + "\n"
              + "      api_key: "
              + LlmTransformsEndToEndTest.SECRET
              + "\n"
              + "      template: \"Sentiment of: {{ row.text }}\"\n"
              + "      response_field: sentiment\n"
              + "      on_error: llm_errors\n"
              + LlmTransformsEndToEndTest.footer(dir)
              + "telemetry:\n  enabled: true\n  granularity: full\n  exporters:\n"
              + "    - name: otlp\n      options: {endpoint: \""
              + receiver.httpEndpoint()
              + "\", protocol: http/protobuf}\n";
      CliHarness.Result r = LlmTransformsEndToEndTest.run(dir, yaml);
      List<ReceivedSpan> calls =
          receiver.spans().stream().filter(s -> s.name().equals("ExternalCallCompleted")).toList();
      assertThat(calls, hasSize(3));
      try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
        List<Object> callStates =
            CliHarness.query(c, "SELECT state_id FROM calls").stream()
                .map(m -> m.get("state_id"))
                .toList();
        for (ReceivedSpan call : calls) {
          Map<String, Object> a = call.attributes();
          assertThat(a, hasEntry("call_type", "llm"));
          assertThat(a, hasEntry("provider", "azure"));
          assertThat(a, hasEntry("gen_ai.system", "azure"));
          assertThat(a, hasEntry("gen_ai.operation.name", "chat"));
          assertThat(a, hasEntry("gen_ai.request.model", "gpt-4o-mini"));
          assertThat(a, hasEntry("gen_ai.response.model", "gpt-4o-mini"));
          // ChaosLLM counts one token per word (+4 per message) and answers "positive".
          assertThat(a, hasEntry("gen_ai.usage.output_tokens", 1L));
          assertThat((Long) a.get("gen_ai.usage.input_tokens"), greaterThan(4L));
          assertThat(callStates.contains(a.get("state_id")), is(true));
          // At full the payloads go too, as the payload store holds them: they hash to the
          // recorded hashes; the prompt is in the request, the answer in the response.
          String request = (String) a.get("request_payload");
          String response = (String) a.get("response_payload");
          assertThat(
              CanonicalJson.stableHash(CanonicalJson.parse(request)), is(a.get("request_hash")));
          assertThat(
              CanonicalJson.stableHash(CanonicalJson.parse(response)), is(a.get("response_hash")));
          assertThat(request, containsString("Sentiment of: "));
          assertThat(response, containsString("positive"));
        }
        // "Sentiment of: one two three" is 5 words, +4: the row with the longest text.
        assertThat(
            calls.stream().map(s -> s.attributes().get("gen_ai.usage.input_tokens")).toList(),
            org.hamcrest.Matchers.containsInAnyOrder(9L, 8L, 7L));
      }
      assertThat(
          receiver.spans().stream().map(s -> s.attributes().toString()).toList(),
          everyItem(not(containsString(LlmTransformsEndToEndTest.SECRET))));
      LlmTransformsEndToEndTest.assertNoSecret(dir, r);
    }
  }
}
