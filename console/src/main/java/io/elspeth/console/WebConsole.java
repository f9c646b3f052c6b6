package io.elspeth.console;

import io.elspeth.audit.export.ExportWriter;
import io.elspeth.audit.export.LandscapeExporter;
import io.elspeth.audit.export.SigningKey;
import io.elspeth.audit.lineage.AuditIntegrityException;
import io.elspeth.audit.lineage.LineageQuery;
import io.elspeth.audit.lineage.RowLineage;
import io.elspeth.audit.lineage.RunGraph;
import io.elspeth.audit.lineage.RunGraph.GraphNode;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.reconcile.RunReconciliation;
import io.elspeth.audit.store.LandscapeStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code elspeth web}: a read-only console over a Landscape, served by Javalin.
 *
 * <pre>{@code
 * try (LandscapeStore store = LandscapeStore.open(url);
 *     WebConsole console = WebConsole.builder(store).withPort(8765).start()) {
 *   console.awaitStop();
 * }
 * }</pre>
 *
 * <p>Pages: the runs list ({@code /}), a run ({@code /runs/{run}}) with its live progress ({@code
 * /runs/{run}/events}), its reconciliation and its export, and a row's lineage ({@code
 * /runs/{run}/rows/{row}}). Only GET routes read the Landscape; the one POST is the login form,
 * which sets a cookie. Every answer carries security headers (a strict Content Security Policy, no
 * framing, no sniffing, no referrer, no caching).
 */
public final class WebConsole implements AutoCloseable {
  /** The environment variable the CLI reads the access token from. */
  public static final String TOKEN_ENV = "ELSPETH_WEB_TOKEN";

  private static final Logger LOG = LoggerFactory.getLogger(WebConsole.class);
  private static final int ROWS_PER_PAGE = 50;

  /** A page of a run's rows, by the (run_id, row_index) key. */
  static final String ROWS_PAGE =
      "SELECT row_index, row_id FROM rows WHERE run_id = ? AND"
          + " row_index > ? ORDER BY row_index LIMIT "
          + (ROWS_PER_PAGE + 1);

  static final String ROW_BY_ID = "SELECT run_id, row_id FROM rows WHERE row_id = ?";
  static final String ROW_BY_TOKEN = "SELECT run_id, row_id FROM tokens WHERE token_id = ?";

  private final LandscapeStore store;
  private final @Nullable PayloadStore payloads;
  private final @Nullable SigningKey signingKey;
  private final LlmPrices llmPrices;
  private final AccessGuard guard;
  private final ProgressStream progress;

  /** Counts of runs that can no longer change, read once (a million-row run's take seconds). */
  private final SettledRuns settled = new SettledRuns();

  private final Javalin app;
  private final String host;

  private WebConsole(Builder b) {
    this.store = b.store;
    this.payloads = b.payloads;
    this.signingKey = b.signingKey;
    this.llmPrices = b.llmPrices;
    this.guard = AccessGuard.forBinding(b.host, b.accessToken);
    this.progress = new ProgressStream(b.store, b.pollInterval, settled);
    this.host = b.host;
    this.app =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.http.defaultContentType = "text/html; charset=utf-8";
            });
    routes();
  }

  /** A console over {@code store}; the caller keeps owning the store. */
  public static Builder builder(LandscapeStore store) {
    return new Builder(Objects.requireNonNull(store, "store"));
  }

  /** Options of the console, with the CLI's defaults. */
  public static final class Builder {
    private final LandscapeStore store;
    private String host = "127.0.0.1";
    private int port = 8765;
    private @Nullable PayloadStore payloads;
    private @Nullable String accessToken;
    private @Nullable SigningKey signingKey;
    private Duration pollInterval = Duration.ofSeconds(1);
    private LlmPrices llmPrices = LlmPrices.none();

    private Builder(LandscapeStore store) {
      this.store = store;
    }

    /** The address to bind (default 127.0.0.1); off loopback an access token is required. */
    public Builder withHost(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port (default 8765; 0 picks a free one, see {@link WebConsole#port()}). */
    public Builder withPort(int port) {
      if (port < 0 || port > 65_535) {
        throw new ConsoleConfigException("--port must be from 0 to 65535, not " + port);
      }
      this.port = port;
      return this;
    }

    /** The payload store to show stored rows, requests and responses from (default none). */
    public Builder withPayloadStore(@Nullable PayloadStore payloads) {
      this.payloads = payloads;
      return this;
    }

    /** The access token ({@code ELSPETH_WEB_TOKEN}); null serves loopback only. */
    public Builder withAccessToken(@Nullable String token) {
      this.accessToken = token;
      return this;
    }

    /** The key that signs downloaded exports ({@code ELSPETH_SIGNING_KEY}); null: unsigned. */
    public Builder withSigningKey(@Nullable SigningKey key) {
      this.signingKey = key;
      return this;
    }

    /** Prices of LLM tokens for the run page's estimated cost (default none: not estimated). */
    public Builder withLlmPrices(LlmPrices prices) {
      this.llmPrices = Objects.requireNonNull(prices, "prices");
      return this;
    }

    /** How often a live run page reads the Landscape (default 1 s). */
    public Builder withPollInterval(Duration every) {
      if (every.isNegative() || every.isZero()) {
        throw new ConsoleConfigException("poll interval must be positive, not " + every);
      }
      this.pollInterval = every;
      return this;
    }

    /**
     * Starts serving.
     *
     * @throws ConsoleConfigException when the options cannot work (no token off loopback)
     */
    public WebConsole start() {
      WebConsole console = new WebConsole(this);
      console.app.start(host, port);
      LOG.info(
          "web console serving url={} token_required={}",
          console.url(),
          console.guard.tokenRequired());
      return console;
    }
  }

  /** The port the console listens on. */
  public int port() {
    return app.port();
  }

  /** The console's address, e.g. {@code http://127.0.0.1:8765/}. */
  public String url() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "http://" + h + ":" + port() + "/";
  }

  @Override
  public void close() {
    progress.close();
    app.stop();
  }

  // ---------------------------------------------------------------- routes

  private void routes() {
    app.before(
        ctx -> {
          securityHeaders(ctx);
          if (!guard.admit(ctx)) {
            ctx.skipRemainingHandlers();
          }
        });
    app.get("/console.css", ctx -> ctx.contentType("text/css; charset=utf-8").result(Page.css()));
    app.get(
        "/console.js",
        ctx -> ctx.contentType("text/javascript; charset=utf-8").result(resource("console.js")));
    app.get(AccessGuard.LOGIN_PATH, ctx -> ctx.html(LoginPage.render(false)));
    app.post(
        AccessGuard.LOGIN_PATH,
        ctx -> {
          if (guard.logIn(ctx, ctx.formParam("token"))) {
            ctx.redirect("/");
          } else {
            ctx.status(HttpStatus.UNAUTHORIZED).html(LoginPage.render(true));
          }
        });
    app.get("/", this::runsList);
    app.get("/find", this::find);
    app.get("/runs/{run}", this::run);
    app.get("/runs/{run}/reconciliation", this::reconciliation);
    app.get("/runs/{run}/export.jsonl", this::export);
    app.get("/runs/{run}/rows", this::rowSearch);
    app.get("/runs/{run}/rows/{row}", this::row);
    app.sse(
        "/runs/{run}/events",
        client -> {
          String runId = client.ctx().pathParam("run");
          RunGraph graph;
          try (Connection c = store.connection()) {
            graph = RunGraph.read(c, runId);
          } catch (SQLException e) {
            LOG.warn("web console cannot read the graph run_id={} error={}", runId, e.getMessage());
            client.close();
            return;
          }
          progress.follow(client, runId, graph);
        });
    app.exception(
        IllegalArgumentException.class,
        (e, ctx) -> message(ctx, HttpStatus.BAD_REQUEST, "Bad request", e.getMessage()));
    app.exception(
        AuditIntegrityException.class,
        (e, ctx) ->
            message(
                ctx,
                HttpStatus.INTERNAL_SERVER_ERROR,
                "The audit trail contradicts itself",
                e.getMessage()));
    app.exception(
        SQLException.class,
        (e, ctx) -> {
          LOG.warn(
              "web console cannot read the Landscape path={} error={}", ctx.path(), e.getMessage());
          message(
              ctx, HttpStatus.SERVICE_UNAVAILABLE, "The Landscape cannot be read", e.getMessage());
        });
    app.error(
        404,
        ctx -> {
          if (ctx.result() == null
              || ctx.result().isEmpty()
              || ctx.result().startsWith("Endpoint")) {
            message(ctx, HttpStatus.NOT_FOUND, "Not found", "nothing at " + ctx.path());
          }
        });
  }

  private static void securityHeaders(Context ctx) {
    ctx.header(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self';"
            + " style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self';"
            + " frame-ancestors 'none'; base-uri 'none'");
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cache-Control", "no-store");
    ctx.header("Cross-Origin-Opener-Policy", "same-origin");
    ctx.header("Cross-Origin-Resource-Policy", "same-origin");
  }

  private void runsList(Context ctx) throws SQLException {
    RunFilter filter =
        RunFilter.parse(
            ctx.queryParam("status"),
            ctx.queryParam("from"),
            ctx.queryParam("to"),
            ctx.queryParam("page"));
    try (Connection c = store.connection()) {
      ctx.html(
          RunsListPage.render(
              filter, RunSummaries.read(c, filter, System.currentTimeMillis(), settled)));
    }
  }

  /** A run id, a row id or a token id: the page of the run or the row it names. */
  private void find(Context ctx) throws SQLException {
    String q = Optional.ofNullable(ctx.queryParam("q")).map(String::trim).orElse("");
    try (Connection c = store.connection()) {
      if (LineageQuery.resolveRun(c, q).isPresent() && !q.isEmpty()) {
        ctx.redirect("/runs/" + Page.enc(LineageQuery.resolveRun(c, q).get()));
        return;
      }
      Optional<String[]> hit = firstRow(c, ROW_BY_ID, q);
      if (hit.isEmpty()) {
        hit = firstRow(c, ROW_BY_TOKEN, q);
      }
      if (hit.isPresent()) {
        ctx.redirect("/runs/" + Page.enc(hit.get()[0]) + "/rows/" + Page.enc(hit.get()[1]));
        return;
      }
    }
    message(ctx, HttpStatus.NOT_FOUND, "Not found", "no run, row or token '" + q + "'");
  }

  private void run(Context ctx) throws SQLException {
    String runId = ctx.pathParam("run");
    long after = parseLong(ctx.queryParam("after"), "after", -1);
    try (Connection c = store.connection()) {
      RunSummary summary = RunSummaries.one(c, runId, System.currentTimeMillis(), settled);
      if (summary == null) {
        message(ctx, HttpStatus.NOT_FOUND, "Not found", "no run '" + runId + "'");
        return;
      }
      RunGraph graph = RunGraph.read(c, runId);
      String status = summary.status();
      List<CallStats> calls = new ArrayList<>();
      List<LlmUsage> llm = new ArrayList<>();
      for (GraphNode n : graph.nodes()) {
        Map<String, CallStats> stats =
            settled.get(
                c,
                runId,
                status,
                SettledRuns.calls(n.nodeId()),
                () -> CallStats.read(c, runId, n.nodeId()));
        calls.addAll(stats.values());
        if (stats.containsKey("llm")) {
          List<LlmUsage> usage =
              settled.get(
                  c,
                  runId,
                  status,
                  SettledRuns.llm(n.nodeId()),
                  () -> LlmUsage.read(c, runId, n.nodeId(), payloads));
          usage.forEach(u -> llm.add(u.priced(llmPrices)));
        }
      }
      List<RunPage.RowRef> rows = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(ROWS_PAGE)) {
        ps.setString(1, runId);
        ps.setLong(2, after);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(new RunPage.RowRef(rs.getLong(1), rs.getString(2)));
          }
        }
      }
      Long nextAfter = null;
      if (rows.size() > ROWS_PER_PAGE) {
        rows = rows.subList(0, ROWS_PER_PAGE);
        nextAfter = rows.get(ROWS_PER_PAGE - 1).rowIndex();
      }
      ctx.html(
          RunPage.render(
              new RunPage.Content(
                  summary,
                  configHash(c, runId),
                  graph,
                  settled.get(
                      c, runId, status, SettledRuns.DAG, () -> RunDagCounts.read(c, runId, graph)),
                  settled.get(
                      c, runId, status, SettledRuns.ERRORS, () -> ErrorGroups.read(c, runId)),
                  calls,
                  llm,
                  !llmPrices.byModel().isEmpty(),
                  payloads != null,
                  TelemetryHealth.read(c, runId),
                  rows,
                  nextAfter,
                  signingKey != null)));
    }
  }

  private void reconciliation(Context ctx) throws SQLException {
    String runId = ctx.pathParam("run");
    try (Connection c = store.connection()) {
      RunSummary summary = RunSummaries.one(c, runId, System.currentTimeMillis(), settled);
      if (summary == null) {
        message(ctx, HttpStatus.NOT_FOUND, "Not found", "no run '" + runId + "'");
        return;
      }
      // Every check scans the run: a settled run's was recorded when it ended, or is checked
      // once per console, not per view.
      ctx.html(
          ReconciliationPage.render(
              runId,
              settled.get(
                  c,
                  runId,
                  summary.status(),
                  SettledRuns.RECONCILIATION,
                  () -> RunReconciliation.of(c, runId))));
    }
  }

  /** The run as JSON lines in ELSPETH's record order, signed when a signing key is set. */
  private void export(Context ctx) throws SQLException, IOException {
    String runId = ctx.pathParam("run");
    try (Connection c = store.connection()) {
      if (RunSummaries.one(c, runId, System.currentTimeMillis(), settled) == null) {
        message(ctx, HttpStatus.NOT_FOUND, "Not found", "no run '" + runId + "'");
        return;
      }
      ctx.contentType("application/x-ndjson; charset=utf-8");
      ctx.header(
          "Content-Disposition",
          "attachment; filename=\"run-"
              + runId.replaceAll("[^A-Za-z0-9_.-]", "_")
              + (signingKey == null ? "" : "-signed")
              + ".jsonl\"");
      // Streamed a window of rows at a time: a million-row run is sent in bounded memory.
      Writer out =
          new BufferedWriter(
              new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8), 1 << 16);
      ExportWriter.write(
          runId, LandscapeExporter.records(c, runId), out, signingKey, Instant.now());
      out.flush();
    }
  }

  private void rowSearch(Context ctx) {
    String q = Optional.ofNullable(ctx.queryParam("q")).map(String::trim).orElse("");
    if (q.isEmpty()) {
      throw new IllegalArgumentException("give a row id, a row index or a token id");
    }
    ctx.redirect("/runs/" + Page.enc(ctx.pathParam("run")) + "/rows/" + Page.enc(q));
  }

  private void row(Context ctx) throws SQLException {
    String runId = ctx.pathParam("run");
    String wanted = ctx.pathParam("row");
    try (Connection c = store.connection()) {
      Optional<RowLineage> lineage = LineageQuery.explainRow(c, runId, wanted);
      if (lineage.isEmpty()) {
        Optional<String> byToken = LineageQuery.rowOfToken(c, runId, wanted);
        if (byToken.isPresent()) {
          lineage = LineageQuery.explainRow(c, runId, byToken.get());
        }
      }
      if (lineage.isEmpty()) {
        message(
            ctx,
            HttpStatus.NOT_FOUND,
            "Not found",
            "run '" + runId + "' has no row or" + " token '" + wanted + "'");
        return;
      }
      ctx.html(RowPage.render(lineage.get(), RunGraph.read(c, runId), payloads));
    }
  }

  // ---------------------------------------------------------------- helpers

  private static String configHash(Connection c, String runId) throws SQLException {
    try (PreparedStatement ps =
            LandscapeReads.prepare(c, "SELECT config_hash FROM runs WHERE run_id = ?", runId);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getString(1) : "-";
    }
  }

  private static Optional<String[]> firstRow(Connection c, String sql, String param)
      throws SQLException {
    try (PreparedStatement ps = LandscapeReads.prepare(c, sql, param);
        ResultSet rs = ps.executeQuery()) {
      return rs.next()
          ? Optional.of(new String[] {rs.getString(1), rs.getString(2)})
          : Optional.empty();
    }
  }

  private static long parseLong(@Nullable String value, String name, long absent) {
    if (value == null || value.isBlank()) {
      return absent;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'");
    }
  }

  private static void message(Context ctx, HttpStatus status, String title, @Nullable String text) {
    ctx.status(status)
        .html(Page.frame(title, "<p class=\"bad\" id=\"message\">" + Page.esc(text) + "</p>\n"));
  }

  private static String resource(String name) {
    try (InputStream in = WebConsole.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " is missing from the console jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
