package io.elspeth.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run page's LLM tokens per step: summed per model from the usage of each successful LLM call's
 * stored response, with the estimated cost from the configured prices; responses the payload store
 * does not hold are counted as unread, not guessed.
 */
class LlmUsageTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  /** The shared test run, plus LLM calls on the gate whose responses are stored. */
  static List<AuditRecord> run(PayloadStore payloads) {
    List<AuditRecord> r = new java.util.ArrayList<>(ConsoleDialectTest.run("run-1", 5));
    Instant at = Instant.parse("2026-01-31T12:00:01Z");
    String[][] calls = {
      {"s1-tok3", "gpt-4o-2024-08-06", "1000", "200"},
      {"s1-tok4", "gpt-4o-2024-08-06", "3000", "800"},
      {"s1-tok0", "mistral-small", "50", "5"}
    };
    for (int i = 0; i < calls.length; i++) {
      String response =
          "{\"content\":\"ok\",\"model\":\""
              + calls[i][1]
              + "\",\"usage\":{"
              + "\"prompt_tokens\":"
              + calls[i][2]
              + ",\"completion_tokens\":"
              + calls[i][3]
              + ",\"total_tokens\":"
              + (Long.parseLong(calls[i][2]) + Long.parseLong(calls[i][3]))
              + "}}";
      String ref = payloads.store(response.getBytes(StandardCharsets.UTF_8));
      r.add(
          new CallRecord(
              "u" + i,
              calls[i][0],
              null,
              1,
              "llm",
              "success",
              ConsoleDialectTest.hash("ureq" + i),
              null,
              ref,
              ref,
              null,
              7.0,
              at));
    }
    return r;
  }

  @Test
  void runPageSumsTokensPerStepAndModelWithEstimatedCost() throws Exception {
    Files.writeString(
        dir.resolve("prices.json"), "{\"gpt-4o\": {\"prompt\": 2.5, \"completion\": 10}}");
    PayloadStore payloads = FilesystemPayloadStore.at(dir.resolve("payloads"));
    try (LandscapeStore store =
        LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")))) {
      store.commit(run(payloads));
      try (WebConsole console =
          WebConsole.builder(store)
              .withPort(0)
              .withPayloadStore(payloads)
              .withLlmPrices(LlmPrices.read(dir.resolve("prices.json")))
              .start()) {
        String page = get("http://127.0.0.1:" + console.port() + "/runs/run-1");
        assertThat(page, containsString("LLM tokens per step"));
        // gpt-4o: 4000 prompt, 1000 completion -> 4000 * 2.5e-6 + 1000 * 1e-5 = $0.02.
        assertThat(
            page,
            containsString(
                "<tr><td>gate</td><td>gpt-4o-2024-08-06</td>"
                    + "<td class=\"num\">2</td><td class=\"num\">0</td><td class=\"num\">4000</td>"
                    + "<td class=\"num\">1000</td><td class=\"num\">5000</td><td>$0.0200</td></tr>"));
        assertThat(
            page,
            containsString(
                "<td>mistral-small</td><td class=\"num\">1</td>"
                    + "<td class=\"num\">0</td><td class=\"num\">50</td><td class=\"num\">5</td>"
                    + "<td class=\"num\">55</td><td>no price for this model</td>"));
        // The shared run's two successful calls have no stored response: unread.
        assertThat(
            page,
            containsString("<td>?</td><td class=\"num\">2</td>" + "<td class=\"num\">2</td>"));
      }
    }
  }

  @Test
  void withoutAPayloadStoreEveryCallIsUnreadAndThePageSaysWhy() throws Exception {
    PayloadStore payloads = FilesystemPayloadStore.at(dir.resolve("payloads"));
    try (LandscapeStore store =
        LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")))) {
      store.commit(run(payloads));
      try (WebConsole console = WebConsole.builder(store).withPort(0).start()) {
        String page = get("http://127.0.0.1:" + console.port() + "/runs/run-1");
        assertThat(page, containsString("start the console with --payload-dir"));
        assertThat(
            page,
            containsString("<td>?</td><td class=\"num\">5</td>" + "<td class=\"num\">5</td>"));
        assertThat(page, not(containsString("gpt-4o")));
      }
    }
  }

  @Test
  void pricesNameTheFileAndModelWhenWrong() throws Exception {
    Path prices = dir.resolve("bad.json");
    Files.writeString(prices, "{\"gpt-4o\": {\"prompt\": \"cheap\"}}");
    ConsoleConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConsoleConfigException.class, () -> LlmPrices.read(prices));
    assertThat(e.getMessage(), containsString(prices.toString()));
    assertThat(e.getMessage(), containsString("gpt-4o: expected {\"prompt\""));
    LlmPrices p =
        new LlmPrices(
            Map.of("gpt-4", new LlmPrices.Price(30, 60), "gpt-4o", new LlmPrices.Price(2.5, 10)));
    assertThat(p.of("gpt-4o-mini").orElseThrow().promptPerMillion(), is(2.5));
    assertThat(p.of("gpt-4-turbo").orElseThrow().promptPerMillion(), is(30.0));
    assertThat(p.of("claude").isPresent(), is(false));
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(url + "\n" + r.body(), r.statusCode(), is(200));
    return r.body();
  }
}
