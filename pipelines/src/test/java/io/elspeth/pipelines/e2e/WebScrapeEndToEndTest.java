package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.elspeth.testkit.chaosweb.ChaosWebServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code web_scrape} through the CLI against ChaosWeb on loopback: a page, a page behind redirects,
 * a page that fails once then answers (retried), 404 and 500 pages, malformed HTML, a redirect
 * loop, a redirect to the cloud metadata address, a private address, a slow page past the timeout,
 * and a row whose fields collide with web_scrape's output. Each row's outcome is in the sinks and
 * the Landscape: one audited {@code http} call per request (each hop and attempt), the errors with
 * their reasons, and nothing lost.
 */
@Tag("e2e")
class WebScrapeEndToEndTest {
  private static final String PAGE =
      "<html><head><title>Rates</title><script>var x=1;</script>"
          + "</head><body><h1>Rates</h1><p>The rate is <b>5%</b>.</p></body></html>";
  private static ChaosWebServer web;

  @TempDir Path dir;

  @BeforeAll
  static void startWeb() {
    web = ChaosWebServer.start().page("rates", PAGE);
  }

  @AfterAll
  static void stopWeb() {
    web.close();
  }

  private String settings(Path in) {
    return LlmTransformsEndToEndTest.header(dir, in)
        + "transforms:\n  - plugin: web_scrape\n    name: scrape\n    options:\n"
        + "      url_field: url\n      content_field: page\n      fingerprint_field: page_fp\n"
        + "      format: markdown\n"
        + "      http:\n        abuse_contact: audit@example.com\n"
        + "        scraping_reason: rate monitoring\n        timeout: 2\n"
        + "        allowed_hosts: [127.0.0.0/8]\n"
        + "      on_error: llm_errors\n"
        + LlmTransformsEndToEndTest.footer(dir);
  }

  @Test
  void everyFetchIsAnAuditedCallAndEveryRowHasItsOutcome() throws Exception {
    String base = web.url();
    List<String> urls =
        List.of(
            base + "/page/rates",
            base + "/redirect/2/rates",
            base + "/flaky/1/rates",
            base + "/status/404",
            base + "/status/500",
            base + "/malformed",
            base + "/loop",
            base + "/redirect-to?url=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data",
            "http://10.0.0.1/internal",
            base + "/slow/3000/rates",
            "file:///etc/passwd");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < urls.size(); i++) {
      rows.append("{\"id\": ")
          .append(i)
          .append(", \"url\": \"")
          .append(urls.get(i))
          .append("\"}\n");
    }
    Path in = dir.resolve("input.jsonl");
    Files.writeString(in, rows.toString());
    LlmTransformsEndToEndTest.run(dir, settings(in));

    List<Map<String, Object>> out = LlmTransformsEndToEndTest.jsonl(dir.resolve("out.jsonl"));
    List<Map<String, Object>> errors = LlmTransformsEndToEndTest.jsonl(dir.resolve("errors.jsonl"));
    assertThat("every row is in a sink", out.size() + errors.size(), is(urls.size()));
    Map<Object, Map<String, Object>> byId =
        out.stream().collect(Collectors.toMap(r -> ((Number) r.get("id")).longValue(), r -> r));
    assertThat(byId.keySet(), is(java.util.Set.of(0L, 1L, 2L, 5L)));
    Map<String, Object> page = byId.get(0L);
    assertThat((String) page.get("page"), containsString("# Rates"));
    assertThat((String) page.get("page"), containsString("The rate is **5%**."));
    assertThat(((String) page.get("page")).contains("var x"), is(false));
    assertThat(((Number) page.get("fetch_status")).intValue(), is(200));
    assertThat(page.get("fetch_url_final_ip"), is("127.0.0.1"));
    assertThat(
        "the same page has the same fingerprint",
        byId.get(1L).get("page_fp"),
        is(page.get("page_fp")));
    assertThat(byId.get(1L).get("fetch_url_final"), is(base + "/page/rates"));
    assertThat(byId.get(2L).get("page_fp"), is(page.get("page_fp")));

    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      // Row 0: 1 call; row 1: 3 (two hops); row 2: 2 (503, then 200); 404: 1; 500: 3
      // (retry.max_attempts 3); malformed: 1; loop: 11 (first + 10 redirects); metadata
      // redirect: 1; private address and file URL: none; slow: 3 (each attempt times out).
      assertThat(
          CliHarness.count(c, "SELECT COUNT(*) FROM calls WHERE call_type = 'http'"), is(26L));
      assertThat(
          CliHarness.count(
              c, "SELECT COUNT(*) FROM calls WHERE call_type = 'http'" + " AND status = 'error'"),
          is(8L));
      List<Map<String, Object>> transformErrors =
          CliHarness.query(c, "SELECT error_details_json FROM transform_errors");
      assertThat(transformErrors.size(), is(7));
      String all =
          transformErrors.stream()
              .map(r -> String.valueOf(r.get("error_details_json")))
              .collect(Collectors.joining("\n"));
      assertThat(all, containsString("NotFoundError"));
      assertThat(all, containsString("ServerError"));
      assertThat(all, containsString("too many redirects"));
      assertThat(all, containsString("redirect refused"));
      assertThat(all, containsString("10.0.0.1"));
      assertThat(all, containsString("NetworkError"));
      assertThat(all, containsString("not allowed (only http and https)"));
    }
    assertThat(
        "every request carried the responsible-scraping headers",
        web.requests().stream().map(ChaosWebServer.Request::abuseContact).toList(),
        everyItem(is("audit@example.com")));
    assertThat(
        web.requests().stream().map(ChaosWebServer.Request::scrapingReason).toList(),
        hasItem("rate monitoring"));
    Map<String, Long> metadata = new HashMap<>();
    web.requests().forEach(r -> metadata.merge(r.path(), 1L, Long::sum));
    assertThat(metadata.getOrDefault("/loop", 0L), greaterThanOrEqualTo(11L));
  }

  @Test
  void pluginsListShowsWebScrapeAndItsOptions() {
    CliHarness.Result r = CliHarness.run("plugins", "list", "-v");
    assertThat(r.err(), r.exitCode(), is(0));
    assertThat(r.out(), containsString("web_scrape"));
    assertThat(r.out(), containsString("fingerprint_mode"));
    assertThat(r.out(), containsString("strip_elements"));
  }

  @Test
  void aRowWhoseFieldsCollideWithTheOutputFailsBeforeAnyFetch() throws Exception {
    Path in = dir.resolve("input.jsonl");
    Files.writeString(
        in,
        "{\"id\": 0, \"url\": \""
            + web.url()
            + "/page/rates\"}\n"
            + "{\"id\": 1, \"url\": \""
            + web.url()
            + "/page/rates?collide\", \"page_fp\": \"x\"}\n");
    Path settings = CliHarness.settings(dir, settings(in));
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode() == 0 || r.exitCode() == 1, is(true));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM calls"), is(1L));
      List<Map<String, Object>> failed =
          CliHarness.query(c, "SELECT error_json FROM node_states WHERE status = 'failed'");
      assertThat(failed.size(), is(1));
      assertThat(
          String.valueOf(failed.get(0).get("error_json")),
          containsString("would overwrite existing input fields [page_fp]"));
    }
    assertThat(LlmTransformsEndToEndTest.jsonl(dir.resolve("out.jsonl")).size(), is(1));
  }
}
