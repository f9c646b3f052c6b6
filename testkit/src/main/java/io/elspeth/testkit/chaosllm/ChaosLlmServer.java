package io.elspeth.testkit.chaosllm;

import static io.elspeth.testkit.chaosllm.HttpReplies.JSON;
import static io.elspeth.testkit.chaosllm.HttpReplies.error;
import static io.elspeth.testkit.chaosllm.HttpReplies.sendJson;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.elspeth.testkit.chaosllm.ChaosConfig.ResponseMode;
import io.elspeth.testkit.chaosllm.HttpReplies.DropConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * ChaosLLM: a fake OpenAI / OpenRouter / Azure OpenAI / Azure Content Safety / Prompt Shield server
 * on loopback that answers with the real wire shapes and injects faults by percentage. It serves
 * plain HTTP and HTTPS (a self-signed certificate generated at start, trusted through {@link
 * #trustStorePath()}), because the Azure SDKs refuse key credentials over plain HTTP.
 *
 * <pre>{@code try (ChaosLlmServer server = ChaosLlmServer.start(ChaosConfig.preset("gentle"))) {
 *   URI endpoint = server.httpsUrl();   // point the product at it
 *   ...
 *   assertThat(server.stats().outcome(FaultKind.RATE_LIMIT), greaterThan(0L));
 * }}</pre>
 *
 * <p>Routes: {@code GET /health}; {@code POST /v1/chat/completions} and {@code
 * /api/v1/chat/completions} (OpenAI, OpenRouter; {@code Authorization: Bearer}); {@code POST
 * /openai/deployments/{deployment}/chat/completions?api-version=} (Azure OpenAI; {@code api-key});
 * {@code POST /contentsafety/text:analyze} and {@code /contentsafety/text:shieldPrompt} ({@code
 * Ocp-Apim-Subscription-Key}); the Azure OpenAI Batch API ({@link #batchApi()}: {@code
 * /openai/files}, {@code /openai/batches}); admin {@code GET|POST /admin/config}, {@code GET
 * /admin/stats}, {@code POST /admin/reset}, {@code GET /admin/export}. A request without a key is
 * 401, whatever the faults.
 */
public final class ChaosLlmServer implements AutoCloseable {

  static final String CHAT_OPENAI = "/v1/chat/completions";
  static final String CHAT_OPENROUTER = "/api/v1/chat/completions";
  static final String CHAT_AZURE = "/openai/deployments/{deployment}/chat/completions";
  static final String CONTENT_SAFETY = "/contentsafety/text:analyze";
  static final String PROMPT_SHIELD = "/contentsafety/text:shieldPrompt";

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle and delayed
    // ACKs add ~40 ms to every keep-alive response, which would swamp the configured latency.
    // Read once when the JDK's server config loads, so it must be set before the first server.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer http;
  private final HttpsServer https;
  private final ExecutorService executor;
  private final SelfSignedCertificate certificate;
  private final @Nullable Path temporaryTlsDir;
  private volatile ChaosEngine engine;

  private final ChaosBatchApi batchApi = new ChaosBatchApi();
  private final ChaosCounters counters = new ChaosCounters();
  private final ChaosApiRoutes routes = new ChaosApiRoutes(counters, batchApi);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();

  private ChaosLlmServer(ChaosConfig config) throws IOException {
    this.engine = ChaosEngine.of(config);
    ChaosConfig.Server server = config.server();
    if (server.tlsDir() == null) {
      this.temporaryTlsDir = Files.createTempDirectory("chaosllm-tls-");
      this.certificate = SelfSignedCertificate.generate(temporaryTlsDir);
    } else {
      this.temporaryTlsDir = null;
      Path dir = Files.createDirectories(Path.of(server.tlsDir()));
      this.certificate = SelfSignedCertificate.generate(dir);
    }
    AtomicInteger threads = new AtomicInteger();
    // Unbounded: a held (timeout/stall) request must never keep a healthy one waiting.
    this.executor =
        Executors.newCachedThreadPool(
            runnable -> {
              Thread thread = new Thread(runnable, "chaosllm-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    this.http = HttpServer.create(new InetSocketAddress(server.host(), server.port()), 512);
    this.https = HttpsServer.create(new InetSocketAddress(server.host(), server.httpsPort()), 512);
    https.setHttpsConfigurator(new HttpsConfigurator(certificate.serverContext()));
    for (HttpServer s : List.of(http, https)) {
      s.createContext("/", this::handle);
      s.setExecutor(executor);
      s.start();
    }
  }

  /** Starts the server (HTTP and HTTPS) with {@code config}; ports 0 pick free ports. */
  public static ChaosLlmServer start(ChaosConfig config) {
    try {
      return new ChaosLlmServer(config);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "ChaosLLM could not listen on "
              + config.server().host()
              + ":"
              + config.server().port()
              + "/"
              + config.server().httpsPort(),
          e);
    }
  }

  /** {@code http://127.0.0.1:PORT} (no trailing slash). */
  public URI httpUrl() {
    return URI.create("http://" + urlHost() + ":" + http.getAddress().getPort());
  }

  /** {@code https://127.0.0.1:PORT}; the certificate also names {@code localhost}. */
  public URI httpsUrl() {
    return URI.create("https://" + urlHost() + ":" + https.getAddress().getPort());
  }

  /**
   * The server side of this server's TLS certificate, so another fake of the same JVM (the fake Key
   * Vault, the fake web server) can serve under the certificate the JVM already trusts.
   */
  public javax.net.ssl.SSLContext serverTlsContext() {
    return certificate.serverContext();
  }

  /** The PEM of the self-signed certificate generated at start. */
  public Path certificatePath() {
    return certificate.certificatePem();
  }

  /** A PKCS12 truststore holding only that certificate, for {@code javax.net.ssl.trustStore}. */
  public Path trustStorePath() {
    return certificate.trustStore();
  }

  public String trustStorePassword() {
    return SelfSignedCertificate.TRUSTSTORE_PASSWORD;
  }

  /** The configuration in force. */
  public ChaosConfig config() {
    return engine.config();
  }

  public ChaosStats stats() {
    return counters.stats();
  }

  /**
   * The most API requests this server held at one time since start or the last reset: what a
   * client's concurrency looked like from here (with a latency configured, requests sent together
   * overlap for at least that long).
   */
  public int maxConcurrentRequests() {
    return maxInFlight.get();
  }

  /**
   * The Azure OpenAI Batch API this server serves: its behaviour and its per-operation counters.
   */
  public ChaosBatchApi batchApi() {
    return batchApi;
  }

  /**
   * Clears the counters and restarts every random sequence, burst clock and preset bank; forgets
   * the Batch API's files and batches.
   */
  public void reset() {
    batchApi.reset();
    counters.reset();
    maxInFlight.set(inFlight.get());
    engine = ChaosEngine.of(engine.config());
  }

  /**
   * Swaps in {@code config} for the requests that arrive from now on (in-flight ones finish under
   * the old one). The listening ports and certificate stay as they are.
   */
  public void reconfigure(ChaosConfig config) {
    engine = ChaosEngine.of(config);
  }

  /** Stops listening, drops held requests and removes a temporary certificate directory. */
  @Override
  public void close() {
    http.stop(0);
    https.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (temporaryTlsDir != null) {
      try (Stream<Path> files = Files.walk(temporaryTlsDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // A leftover temporary directory holds only a public certificate; nothing to protect.
      }
    }
  }

  // ---------------------------------------------------------------- routing: health, admin, then
  // the API

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      byte[] requestBody = exchange.getRequestBody().readAllBytes();
      if (path.equals("/health") && method.equals("GET")) {
        ChaosEngine current = engine;
        ObjectNode health =
            JSON.createObjectNode()
                .put("status", "healthy")
                .put("run_id", current.runId())
                .put("started_utc", current.started().toString())
                .put("in_burst", current.faults().inBurst());
        sendJson(exchange, 200, health, Map.of());
      } else if (path.startsWith("/admin/")) {
        admin(exchange, method, path, requestBody);
      } else {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
          routes.api(exchange, engine, method, path, requestBody);
        } finally {
          inFlight.decrementAndGet();
        }
      }
    } catch (DropConnection drop) {
      throw drop;
    } catch (InterruptedException e) {
      // Server closing while a request was held: the connection goes with it.
      Thread.currentThread().interrupt();
      throw new DropConnection();
    }
  }

  private void admin(HttpExchange exchange, String method, String path, byte[] body)
      throws IOException {
    switch (method + " " + path) {
      case "GET /admin/config" -> sendJson(exchange, 200, engine.config().toTree(), Map.of());
      case "POST /admin/config" -> {
        try {
          ChaosConfig updated = engine.config().merged(JSON.readTree(body), "POST /admin/config");
          reconfigure(updated);
          sendJson(
              exchange,
              200,
              JSON.createObjectNode().put("status", "updated").set("config", updated.toTree()),
              Map.of());
        } catch (ChaosConfigException | IOException e) {
          sendJson(
              exchange,
              400,
              error("InvalidConfiguration", e.getMessage(), "invalid_request_error"),
              Map.of());
        }
      }
      case "GET /admin/stats" -> sendJson(exchange, 200, statsJson(), Map.of());
      case "GET /admin/export" -> {
        ObjectNode export = JSON.createObjectNode();
        export.set("stats", statsJson());
        export.set("config", engine.config().toTree());
        sendJson(exchange, 200, export, Map.of());
      }
      case "POST /admin/reset" -> {
        reset();
        sendJson(
            exchange,
            200,
            JSON.createObjectNode().put("status", "reset").put("run_id", engine.runId()),
            Map.of());
      }
      default ->
          sendJson(
              exchange,
              404,
              error("NotFound", "no admin route " + method + " " + path, "not_found_error"),
              Map.of());
    }
  }

  private ObjectNode statsJson() {
    ObjectNode json = ChaosConfigTrees.TREES.valueToTree(stats());
    json.put("run_id", engine.runId()).put("in_burst", engine.faults().inBurst());
    ObjectNode batch = json.putObject("batch_api");
    batchApi.callCounts().forEach(batch::put);
    batch.put("batches", batchApi.batchCount());
    return json;
  }

  private String urlHost() {
    String host = engine.config().server().host();
    return host.equals("0.0.0.0") || host.equals("::")
        ? "127.0.0.1"
        : host.contains(":") ? "[" + host + "]" : host;
  }

  /** The response mode in force, for the CLI banner. */
  ResponseMode responseMode() {
    return engine.config().response().mode();
  }
}
