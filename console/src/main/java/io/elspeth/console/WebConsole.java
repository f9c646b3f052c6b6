package io.elspeth.console;

import io.elspeth.audit.export.SigningKey;
import io.elspeth.audit.lineage.AuditIntegrityException;
import io.elspeth.audit.lineage.RunGraph;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.store.LandscapeStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
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
  private final LandscapeStore store;
  private final AccessGuard guard;
  private final ProgressStream progress;

  /** Counts of runs that can no longer change, read once (a million-row run's take seconds). */
  private final SettledRuns settled = new SettledRuns();

  /** The pages that read the Landscape. */
  private final ConsolePages pages;

  private final Javalin app;
  private final String host;

  private WebConsole(Builder b) {
    this.store = b.store;
    this.guard = AccessGuard.forBinding(b.host, b.accessToken);
    this.progress = new ProgressStream(b.store, b.pollInterval, settled);
    this.pages = new ConsolePages(b.store, b.payloads, b.signingKey, b.llmPrices, settled);
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
    app.get("/", pages::runsList);
    app.get("/find", pages::find);
    app.get("/runs/{run}", pages::run);
    app.get("/runs/{run}/reconciliation", pages::reconciliation);
    app.get("/runs/{run}/export.jsonl", pages::export);
    app.get("/runs/{run}/rows", pages::rowSearch);
    app.get("/runs/{run}/rows/{row}", pages::row);
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
        (e, ctx) ->
            ConsolePages.message(ctx, HttpStatus.BAD_REQUEST, "Bad request", e.getMessage()));
    app.exception(
        AuditIntegrityException.class,
        (e, ctx) ->
            ConsolePages.message(
                ctx,
                HttpStatus.INTERNAL_SERVER_ERROR,
                "The audit trail contradicts itself",
                e.getMessage()));
    app.exception(
        SQLException.class,
        (e, ctx) -> {
          LOG.warn(
              "web console cannot read the Landscape path={} error={}", ctx.path(), e.getMessage());
          ConsolePages.message(
              ctx, HttpStatus.SERVICE_UNAVAILABLE, "The Landscape cannot be read", e.getMessage());
        });
    app.error(
        404,
        ctx -> {
          if (ctx.result() == null
              || ctx.result().isEmpty()
              || ctx.result().startsWith("Endpoint")) {
            ConsolePages.message(
                ctx, HttpStatus.NOT_FOUND, "Not found", "nothing at " + ctx.path());
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
