package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.record.EdgeRecord;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.console.WebConsole;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * {@code elspeth web} in a real browser (headless Chromium through Selenium), on Landscapes the
 * test makes: a run of the threshold-gate example through the CLI, and a run the test keeps running
 * while the page follows it.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebConsoleBrowserTest {
  @TempDir static Path dir;

  private LandscapeStore store;
  private WebConsole console;
  private BrowserSession browser;
  private String runId;
  private long rows;

  @BeforeAll
  void runAnExampleAndServeIt() throws Exception {
    Path settings = CliHarness.example("threshold_gate", dir);
    Files.writeString(
        settings,
        Files.readString(settings) + "\npayload_store: {base_path: \"" + dir + "/payloads\"}\n");
    CliHarness.Result run = CliHarness.run("run", "--settings", settings.toString(), "--execute");
    assertThat(run.err(), run.exitCode(), is(0));
    store = LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir + "/landscape.db"));
    try (Connection c = store.connection()) {
      runId = CliHarness.query(c, "SELECT run_id FROM runs").get(0).get("run_id").toString();
      rows = CliHarness.count(c, "SELECT COUNT(*) FROM rows");
    }
    console =
        WebConsole.builder(store)
            .withPort(0)
            .withPayloadStore(FilesystemPayloadStore.at(dir.resolve("payloads")))
            .start();
    browser = new BrowserSession();
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      try {
        if (console != null) {
          console.close();
        }
      } finally {
        if (store != null) {
          store.close();
        }
      }
    }
  }

  private String url(String path) {
    return "http://127.0.0.1:" + console.port() + path;
  }

  @Test
  void runsListShowsTheRunWithStatusRowsAndSinks() throws Exception {
    browser.driver.get(url("/"));
    WebElement line =
        browser
            .waiting()
            .until(
                ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("tr.run[data-run='" + runId + "']")));
    List<WebElement> cells = line.findElements(By.tagName("td"));
    assertThat(cells.get(1).getText(), equalTo("completed"));
    assertThat(cells.get(4).getText(), equalTo(Long.toString(rows)));
    assertThat(cells.get(5).getText(), containsString("high_values"));
    browser.screenshot("web-runs");

    browser.driver.get(url("/?status=failed"));
    browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("no-runs")));
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    browser.driver.get(url("/?status=completed&from=" + today + "&to=" + today));
    browser
        .waiting()
        .until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("tr.run[data-run='" + runId + "']")));
    browser.driver.get(url("/?from=" + today.plusDays(1)));
    browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("no-runs")));
  }

  @Test
  void runPageDrawsTheDagWithCountsOnNodesAndEdges() throws Exception {
    browser.driver.get(url("/runs/" + runId));
    browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("dag")));
    try (Connection c = store.connection()) {
      for (Map<String, Object> node : CliHarness.query(c, "SELECT node_id, node_type FROM nodes")) {
        String id = node.get("node_id").toString();
        long expected =
            node.get("node_type").equals("source")
                ? rows
                : CliHarness.count(
                    c, "SELECT COUNT(*) FROM node_states WHERE node_id = '" + id + "'");
        assertThat(
            id,
            browser.driver.findElement(By.id("count-node-" + id)).getText(),
            startsWith(Long.toString(expected)));
      }
      // Every gate decision is an edge count: high values, then the rest to the default sink.
      long high =
          CliHarness.count(
              c,
              "SELECT COUNT(*) FROM token_outcomes WHERE sink_name ="
                  + " 'high_values' AND is_terminal = 1");
      assertThat(high, greaterThan(0L));
      for (Map<String, Object> edge :
          CliHarness.query(
              c,
              "SELECT e.edge_id, n.plugin_name FROM"
                  + " edges e JOIN nodes n ON n.node_id = e.to_node_id WHERE n.node_type = 'sink'")) {
        String sink = edge.get("plugin_name").toString();
        String edgeId = edge.get("edge_id").toString();
        long arrived =
            CliHarness.count(
                c,
                "SELECT COUNT(*) FROM node_states s JOIN edges e ON"
                    + " e.to_node_id = s.node_id WHERE e.edge_id = '"
                    + edgeId
                    + "'");
        assertThat(
            sink + " " + edgeId,
            browser.driver.findElement(By.id("count-edge-" + edgeId)).getText(),
            equalTo(Long.toString(arrived)));
      }
      assertThat(
          browser.driver.findElement(By.id("sink-high_values")).getText(),
          equalTo(Long.toString(high)));
    }
    browser.screenshot("web-run");

    browser.driver.findElement(By.linkText("Reconciliation")).click();
    assertThat(
        browser
            .waiting()
            .until(ExpectedConditions.presenceOfElementLocated(By.id("reconciles")))
            .getText(),
        startsWith("The run reconciles"));
  }

  @Test
  void rowPageDrawsTheRowsLineageWithHashesAndPayloadCheck() throws Exception {
    browser.driver.get(url("/runs/" + runId));
    browser
        .waiting()
        .until(ExpectedConditions.presenceOfElementLocated(By.id("row-query")))
        .sendKeys("0");
    browser.driver.findElement(By.id("find-row")).click();
    WebElement lineage =
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("lineage")));
    assertThat(lineage.findElements(By.cssSelector("g.node.visited")).size(), greaterThan(1));
    assertThat(lineage.findElements(By.cssSelector("g.edge.taken")).size(), greaterThan(0));
    String sourceHash;
    try (Connection c = store.connection()) {
      sourceHash =
          CliHarness.query(c, "SELECT source_data_hash FROM rows WHERE row_index = 0")
              .get(0)
              .get("source_data_hash")
              .toString();
    }
    assertThat(lineage.getText(), containsString(sourceHash));
    assertThat(lineage.getText(), containsString("gate:"));
    assertThat(
        browser.driver.findElement(By.id("source-check")).getText(), startsWith("available"));
    assertThat(
        browser.driver.findElement(By.id("source-check")).getText(), endsWith("matches its hash"));
    browser.screenshot("web-row");
  }

  @Test
  void runPageFollowsARunningRunWithoutReloading() throws Exception {
    // A run the test keeps running: it commits its records as a pipeline would, in steps.
    Path db = dir.resolve("live.db");
    try (LandscapeStore live = LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + db));
        WebConsole liveConsole = WebConsole.builder(live).withPort(0).start()) {
      Instant t0 = Instant.now();
      String id = "live-run-1";
      live.commit(
          List.of(
              new RunRecord(
                  id,
                  t0,
                  null,
                  "c0ffee",
                  "{}",
                  null,
                  CanonicalJson.CANONICAL_VERSION,
                  null,
                  null,
                  "running"),
              new NodeRecord("src", id, "csv", "source", "1", "io_read", "h", "{}", t0, null, null),
              new NodeRecord("out", id, "csv", "sink", "1", "io_write", "h", "{}", t0, null, null),
              new EdgeRecord("e1", id, "src", "out", "continue", "move", t0)));
      browser.driver.get("http://127.0.0.1:" + liveConsole.port() + "/runs/" + id);
      browser.waiting().until(ExpectedConditions.textToBe(By.id("run-rows"), "0"));
      WebElement page = browser.driver.findElement(By.tagName("html"));
      for (int i = 0; i < 3; i++) {
        live.commit(
            List.of(new RowRecord("row-" + i, id, "src", i, "hash" + i, null, Instant.now())));
        String expected = Integer.toString(i + 1);
        browser.waiting().until(ExpectedConditions.textToBe(By.id("run-rows"), expected));
        browser.waiting().until(ExpectedConditions.textToBe(By.id("count-node-src"), expected));
      }
      browser.screenshot("web-live");
      live.completeRun(id, "completed", Instant.now());
      browser
          .waiting()
          .until(ExpectedConditions.textToBe(By.cssSelector("#run-status .status"), "completed"));
      // The same document all along: the page updated in place, it was not reloaded.
      assertThat(page.getTagName(), equalTo("html"));
    }
  }

  @Test
  void offLoopbackTheConsoleWantsItsToken() throws Exception {
    CliHarness.Result refused =
        CliHarness.run(
            "web",
            "--database",
            dir.resolve("landscape.db").toString(),
            "--host",
            "0.0.0.0",
            "--port",
            "0");
    assertThat(refused.exitCode(), is(1));
    assertThat(refused.err(), containsString("ELSPETH_WEB_TOKEN"));

    String token = "test-token-4b1d9e";
    try (WebConsole open =
        WebConsole.builder(store).withHost("0.0.0.0").withPort(0).withAccessToken(token).start()) {
      String base = "http://127.0.0.1:" + open.port();
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> anonymous =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/runs/" + runId))
                  .header("Accept", "application/json")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.statusCode(), is(401));
      assertThat(anonymous.body(), not(containsString(runId)));
      HttpResponse<String> bearer =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/runs/" + runId))
                  .header("Authorization", "Bearer " + token)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(bearer.statusCode(), is(200));
      assertThat(
          bearer.headers().firstValue("Content-Security-Policy").orElse(""),
          containsString("default-src 'none'"));
      assertThat(bearer.headers().firstValue("X-Frame-Options").orElse(""), equalTo("DENY"));
      HttpResponse<String> post =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/runs/" + runId))
                  .header("Authorization", "Bearer " + token)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode(), not(is(200)));

      browser.driver.manage().deleteAllCookies();
      browser.driver.get(base + "/");
      browser
          .waiting()
          .until(ExpectedConditions.presenceOfElementLocated(By.id("token")))
          .sendKeys("not-the-token");
      browser.driver.findElement(By.id("sign-in")).click();
      browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("login-failed")));
      browser.screenshot("web-login");
      browser.driver.findElement(By.id("token")).sendKeys(token);
      browser.driver.findElement(By.id("sign-in")).click();
      assertThat(
          browser
              .waiting()
              .until(
                  ExpectedConditions.presenceOfAllElementsLocatedBy(
                      By.cssSelector("tr.run[data-run='" + runId + "']"))),
          hasSize(1));
    }
  }
}
