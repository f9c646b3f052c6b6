package io.elspeth.testkit.chaosllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.elspeth.testkit.chaosllm.ChaosConfig.ResponseMode;
import io.elspeth.testkit.chaosllm.FaultInjector.Fault;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * ChaosLLM: a fake OpenAI / OpenRouter / Azure OpenAI / Azure Content Safety / Prompt Shield
 * server on loopback that answers with the real wire shapes and injects faults by percentage.
 * It serves plain HTTP and HTTPS (a self-signed certificate generated at start, trusted through
 * {@link #trustStorePath()}), because the Azure SDKs refuse key credentials over plain HTTP.
 *
 * <pre>{@code try (ChaosLlmServer server = ChaosLlmServer.start(ChaosConfig.preset("gentle"))) {
 *   URI endpoint = server.httpsUrl();   // point the product at it
 *   ...
 *   assertThat(server.stats().outcome(FaultKind.RATE_LIMIT), greaterThan(0L));
 * }}</pre>
 *
 * <p>Routes: {@code GET /health}; {@code POST /v1/chat/completions} and
 * {@code /api/v1/chat/completions} (OpenAI, OpenRouter; {@code Authorization: Bearer});
 * {@code POST /openai/deployments/{deployment}/chat/completions?api-version=} (Azure OpenAI;
 * {@code api-key}); {@code POST /contentsafety/text:analyze} and
 * {@code /contentsafety/text:shieldPrompt} ({@code Ocp-Apim-Subscription-Key}); the Azure OpenAI
 * Batch API ({@link #batchApi()}: {@code /openai/files}, {@code /openai/batches}); admin
 * {@code GET|POST /admin/config}, {@code GET /admin/stats}, {@code POST /admin/reset},
 * {@code GET /admin/export}. A request without a key is 401, whatever the faults.
 */
public final class ChaosLlmServer implements AutoCloseable {

  static final String CHAT_OPENAI = "/v1/chat/completions";
  static final String CHAT_OPENROUTER = "/api/v1/chat/completions";
  static final String CHAT_AZURE = "/openai/deployments/{deployment}/chat/completions";
  static final String CONTENT_SAFETY = "/contentsafety/text:analyze";
  static final String PROMPT_SHIELD = "/contentsafety/text:shieldPrompt";

  private static final Pattern AZURE_CHAT = Pattern.compile("/openai/deployments/([^/]+)/chat/completions");
  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle and delayed
    // ACKs add ~40 ms to every keep-alive response, which would swamp the configured latency.
    // Read once when the JDK's server config loads, so it must be set before the first server.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /** The live configuration and everything seeded from it, swapped whole on reconfigure/reset. */
  private record Engine(ChaosConfig config, FaultInjector faults, ResponseGenerator responses,
      ContentSafetyScorer scorer, String runId, Instant started) {
    static Engine of(ChaosConfig config) {
      Random faultRandom = config.seed() == null ? new Random() : new Random(config.seed());
      // A second stream for generated text, so changing the response mode leaves the fault sequence as it was.
      Random textRandom = config.seed() == null ? new Random() : new Random(config.seed() * 31 + 7);
      return new Engine(config, new FaultInjector(config.errorInjection(), faultRandom),
          new ResponseGenerator(config.response(), textRandom),
          new ContentSafetyScorer(config.contentSafety(), config.promptShield()),
          UUID.randomUUID().toString(), Instant.now());
    }
  }

  /** Thrown inside a handler to make the JDK server drop the connection mid-response. */
  private static final class DropConnection extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DropConnection() {
      super("ChaosLLM dropped the connection on purpose", null, false, false);
    }
  }

  private final HttpServer http;
  private final HttpsServer https;
  private final ExecutorService executor;
  private final SelfSignedCertificate certificate;
  private final @Nullable Path temporaryTlsDir;
  private volatile Engine engine;

  private final ChaosBatchApi batchApi = new ChaosBatchApi();
  private final LongAdder total = new LongAdder();
  private final Map<String, LongAdder> byEndpoint = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> byOutcome = new ConcurrentHashMap<>();
  private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();

  private ChaosLlmServer(ChaosConfig config) throws IOException {
    this.engine = Engine.of(config);
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
    this.executor = Executors.newCachedThreadPool(runnable -> {
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
      throw new UncheckedIOException("ChaosLLM could not listen on " + config.server().host() + ":"
          + config.server().port() + "/" + config.server().httpsPort(), e);
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
   * The server side of this server's TLS certificate, so another fake of the same JVM (the fake
   * Key Vault, the fake web server) can serve under the certificate the JVM already trusts.
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
    return new ChaosStats(total.sum(), snapshot(byEndpoint), snapshot(byOutcome), snapshot(byStatus));
  }

  /** The Azure OpenAI Batch API this server serves: its behaviour and its per-operation counters. */
  public ChaosBatchApi batchApi() {
    return batchApi;
  }

  /**
   * Clears the counters and restarts every random sequence, burst clock and preset bank; forgets
   * the Batch API's files and batches.
   */
  public void reset() {
    batchApi.reset();
    total.reset();
    byEndpoint.clear();
    byOutcome.clear();
    byStatus.clear();
    engine = Engine.of(engine.config());
  }

  /**
   * Swaps in {@code config} for the requests that arrive from now on (in-flight ones finish under
   * the old one). The listening ports and certificate stay as they are.
   */
  public void reconfigure(ChaosConfig config) {
    engine = Engine.of(config);
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

  // ---------------------------------------------------------------- routing

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      byte[] requestBody = exchange.getRequestBody().readAllBytes();
      if (path.equals("/health") && method.equals("GET")) {
        Engine current = engine;
        ObjectNode health = JSON.createObjectNode().put("status", "healthy").put("run_id", current.runId())
            .put("started_utc", current.started().toString()).put("in_burst", current.faults().inBurst());
        sendJson(exchange, 200, health, Map.of());
      } else if (path.startsWith("/admin/")) {
        admin(exchange, method, path, requestBody);
      } else {
        api(exchange, method, path, requestBody);
      }
    } catch (DropConnection drop) {
      throw drop;
    } catch (InterruptedException e) {
      // Server closing while a request was held: the connection goes with it.
      Thread.currentThread().interrupt();
      throw new DropConnection();
    }
  }

  private void admin(HttpExchange exchange, String method, String path, byte[] body) throws IOException {
    switch (method + " " + path) {
      case "GET /admin/config" -> sendJson(exchange, 200, engine.config().toTree(), Map.of());
      case "POST /admin/config" -> {
        try {
          ChaosConfig updated = engine.config().merged(JSON.readTree(body), "POST /admin/config");
          reconfigure(updated);
          sendJson(exchange, 200, JSON.createObjectNode().put("status", "updated")
              .set("config", updated.toTree()), Map.of());
        } catch (ChaosConfigException | IOException e) {
          sendJson(exchange, 400, error("InvalidConfiguration", e.getMessage(), "invalid_request_error"), Map.of());
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
        sendJson(exchange, 200, JSON.createObjectNode().put("status", "reset").put("run_id", engine.runId()), Map.of());
      }
      default -> sendJson(exchange, 404, error("NotFound", "no admin route " + method + " " + path, "not_found_error"), Map.of());
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

  /** One API request: route, authenticate, validate, then the injected fate or the real answer. */
  private void api(HttpExchange exchange, String method, String path, byte[] body)
      throws IOException, InterruptedException {
    Engine current = engine;
    String endpoint;
    @Nullable String deployment = null;
    Matcher azure = AZURE_CHAT.matcher(path);
    if (ChaosBatchApi.routes(path)) {
      batch(exchange, current, method, path, body);
      return;
    }
    if (path.equals(CHAT_OPENAI) || path.equals(CHAT_OPENROUTER) || path.equals(CONTENT_SAFETY)
        || path.equals(PROMPT_SHIELD)) {
      endpoint = path;
    } else if (azure.matches()) {
      endpoint = CHAT_AZURE;
      deployment = URLDecoder.decode(azure.group(1), StandardCharsets.UTF_8);
    } else {
      count("unrouted", "no_route", 404);
      sendJson(exchange, 404, error("NotFound", "Resource not found: no route " + method + " " + path, "not_found_error"), Map.of());
      return;
    }
    if (!method.equals("POST")) {
      count(endpoint, "bad_request", 405);
      sendJson(exchange, 405, error("MethodNotAllowed", endpoint + " takes POST, got " + method, "invalid_request_error"), Map.of());
      return;
    }
    if (!authorized(exchange, endpoint, current.config().auth())) {
      count(endpoint, "unauthorized", 401);
      sendJson(exchange, 401, error("401", "Access denied due to invalid subscription key or wrong API endpoint. "
          + "Make sure to provide a valid key for an active subscription and use a correct regional API endpoint "
          + "for your resource.", "authentication_error"), Map.of());
      return;
    }
    boolean azureFamily = !endpoint.startsWith("/v1/") && !endpoint.startsWith("/api/");
    if (azureFamily && queryParam(exchange.getRequestURI(), "api-version") == null) {
      count(endpoint, "bad_request", 400);
      sendJson(exchange, 400, error("BadRequest", "Missing the required query parameter api-version.", "invalid_request_error"), Map.of());
      return;
    }
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (IOException e) {
      request = null;
    }
    String invalid = request == null || !request.isObject() ? "the request body must be a JSON object" : validate(endpoint, request);
    if (invalid != null) {
      count(endpoint, "bad_request", 400);
      sendJson(exchange, 400, error("InvalidRequestBody", invalid, "invalid_request_error"), Map.of());
      return;
    }

    Fault fault = current.faults().decide();
    FaultKind kind = fault.kind();
    if (kind == null || kind == FaultKind.SLOW_RESPONSE) {
      succeed(exchange, current, endpoint, deployment, request, fault, kind);
      return;
    }
    count(endpoint, kind.key(), kind.status());
    switch (kind.category()) {
      case CONNECTION -> connectionFault(exchange, current, endpoint, deployment, request, fault);
      case HTTP -> httpFault(exchange, fault);
      case MALFORMED -> malformed(exchange, current, endpoint, deployment, request, kind);
    }
  }

  /** A Batch API request: authenticated as Azure OpenAI is, never subject to injected faults. */
  private void batch(HttpExchange exchange, Engine current, String method, String path, byte[] body)
      throws IOException {
    String endpoint = ChaosBatchApi.template(path);
    if (!authorized(exchange, CHAT_AZURE, current.config().auth())) {
      count(endpoint, "unauthorized", 401);
      sendJson(exchange, 401, error("401", "Access denied due to invalid subscription key.", "authentication_error"),
          Map.of());
      return;
    }
    if (queryParam(exchange.getRequestURI(), "api-version") == null) {
      count(endpoint, "bad_request", 400);
      sendJson(exchange, 400, error("BadRequest", "Missing the required query parameter api-version.",
          "invalid_request_error"), Map.of());
      return;
    }
    ChaosBatchApi.Answer answer = batchApi.handle(method, path,
        exchange.getRequestHeaders().getFirst("Content-Type"), body,
        request -> chatCompletion(current, request.path("model").asText(null), request, null, null));
    count(endpoint, answer.status() == 200 ? "success" : "bad_request", answer.status());
    if (answer.raw() != null) {
      send(exchange, answer.status(), "application/octet-stream", answer.raw(), Map.of());
    } else {
      sendJson(exchange, answer.status(), answer.json(), Map.of());
    }
  }

  private void succeed(HttpExchange exchange, Engine current, String endpoint, @Nullable String deployment,
      JsonNode request, Fault fault, @Nullable FaultKind kind) throws IOException, InterruptedException {
    ObjectNode answer;
    try {
      answer = answer(exchange, current, endpoint, deployment, request);
    } catch (ResponseGenerator.GenerationException e) {
      count(endpoint, e.status == 400 ? "bad_request" : "template_error", e.status);
      sendJson(exchange, e.status, error(e.status == 400 ? "BadRequest" : "InternalServerError", e.getMessage(),
          e.status == 400 ? "invalid_request_error" : "server_error"), Map.of());
      return;
    }
    count(endpoint, kind == null ? "success" : kind.key(), 200);
    sleepMs(current.faults().latencyMs(current.config().latency()) + Math.round(fault.delaySec() * 1000));
    sendJson(exchange, 200, answer, Map.of());
  }

  private void connectionFault(HttpExchange exchange, Engine current, String endpoint, @Nullable String deployment,
      JsonNode request, Fault fault) throws IOException, InterruptedException {
    switch (fault.kind()) {
      case TIMEOUT -> {
        sleepMs(Math.round(fault.delaySec() * 1000));
        sendJson(exchange, 504, error("GatewayTimeout", "Gateway timeout.", "server_error"), Map.of());
      }
      case CONNECTION_FAILED -> {
        sleepMs(Math.round(fault.delaySec() * 1000));
        throw new DropConnection();
      }
      case CONNECTION_RESET -> throw new DropConnection();
      case CONNECTION_STALL -> {
        sleepMs(Math.round(fault.delaySec() * 1000));
        byte[] full = bytes(answerOrEmpty(exchange, current, endpoint, deployment, request));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, full.length);
        OutputStream out = exchange.getResponseBody();
        out.write(full, 0, full.length / 2);
        out.flush();
        sleepMs(Math.round(fault.stallSec() * 1000));
        throw new DropConnection();
      }
      default -> throw new IllegalStateException("not a connection fault: " + fault.kind());
    }
  }

  private void httpFault(HttpExchange exchange, Fault fault) throws IOException {
    FaultKind kind = fault.kind();
    Map<String, String> headers = new HashMap<>();
    if (kind == FaultKind.RATE_LIMIT || kind == FaultKind.CAPACITY_529) {
      headers.put("Retry-After", Integer.toString(fault.retryAfterSec()));
      headers.put("retry-after-ms", Integer.toString(fault.retryAfterSec() * 1000));
    }
    String[] codeAndType = switch (kind) {
      case RATE_LIMIT -> new String[] {"429", "rate_limit_error", "Rate limit exceeded. Please retry after "
          + fault.retryAfterSec() + " seconds."};
      case CAPACITY_529 -> new String[] {"529", "capacity_error", "The model is currently overloaded. Please retry later."};
      case SERVICE_UNAVAILABLE -> new String[] {"503", "server_error", "The service is temporarily unavailable."};
      case BAD_GATEWAY -> new String[] {"502", "server_error", "Bad gateway error."};
      case GATEWAY_TIMEOUT -> new String[] {"504", "server_error", "Gateway timeout."};
      case INTERNAL_ERROR -> new String[] {"500", "server_error", "Internal server error."};
      case FORBIDDEN -> new String[] {"403", "permission_error", "You do not have permission to access this resource."};
      case NOT_FOUND -> new String[] {"404", "not_found_error", "The requested resource was not found."};
      case HTML_ERROR_PAGE -> {
        // What a gateway or proxy in front of the service sends: its own page, not JSON.
        send(exchange, kind.status(), "text/html; charset=utf-8",
            ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
                + "</h1></center><hr><center>nginx</center></body></html>").getBytes(StandardCharsets.UTF_8),
            headers);
        yield null;
      }
      default -> throw new IllegalStateException("not an HTTP fault: " + kind);
    };
    if (codeAndType == null) {
      return;
    }
    sendJson(exchange, kind.status(), error(codeAndType[0], codeAndType[2], codeAndType[1]), headers);
  }

  private void malformed(HttpExchange exchange, Engine current, String endpoint, @Nullable String deployment,
      JsonNode request, FaultKind kind) throws IOException, InterruptedException {
    sleepMs(current.faults().latencyMs(current.config().latency()));
    switch (kind) {
      case INVALID_JSON -> send(exchange, 200, "application/json",
          "{\"id\": \"chatcmpl-chaos\", \"choices\": [{\"message\": {this is not valid json".getBytes(StandardCharsets.UTF_8), Map.of());
      case TRUNCATED -> {
        byte[] full = bytes(answerOrEmpty(exchange, current, endpoint, deployment, request));
        send(exchange, 200, "application/json", Arrays.copyOf(full, Math.max(1, full.length / 2)), Map.of());
      }
      case EMPTY_BODY -> send(exchange, 200, "application/json", new byte[0], Map.of());
      case MISSING_FIELDS -> {
        ObjectNode broken = answerOrEmpty(exchange, current, endpoint, deployment, request);
        switch (endpoint) {
          case CONTENT_SAFETY -> broken.remove("categoriesAnalysis");
          case PROMPT_SHIELD -> broken.remove("userPromptAnalysis");
          default -> {
            broken.putArray("choices");
            broken.remove("usage");
          }
        }
        sendJson(exchange, 200, broken, Map.of());
      }
      case NULL_CONTENT -> {
        ObjectNode broken = answerOrEmpty(exchange, current, endpoint, deployment, request);
        switch (endpoint) {
          case CONTENT_SAFETY -> broken.putNull("categoriesAnalysis");
          case PROMPT_SHIELD -> broken.putNull("userPromptAnalysis");
          default -> {
            for (JsonNode choice : broken.path("choices")) {
              ((ObjectNode) choice.path("message")).putNull("content");
              ((ObjectNode) choice).put("finish_reason", "content_filter");
            }
          }
        }
        sendJson(exchange, 200, broken, Map.of());
      }
      case MISSING_CHOICES -> {
        ObjectNode broken = answerOrEmpty(exchange, current, endpoint, deployment, request);
        if (endpoint.equals(CONTENT_SAFETY) || endpoint.equals(PROMPT_SHIELD)) {
          broken.removeAll();
        } else {
          broken.remove("choices");
        }
        sendJson(exchange, 200, broken, Map.of());
      }
      case WRONG_CONTENT_TYPE -> send(exchange, 200, "text/html; charset=utf-8",
          ("<html><head><title>Service Notice</title></head><body><h1>Service Notice</h1>"
              + "<p>The upstream service returned an unexpected page.</p></body></html>").getBytes(StandardCharsets.UTF_8),
          Map.of());
      case SCHEMA_VIOLATION -> {
        ObjectNode answer = answerOrEmpty(exchange, current, endpoint, deployment, request);
        if (answer.path("choices").isArray()) {
          for (JsonNode choice : answer.path("choices")) {
            ((ObjectNode) choice.path("message")).put("content",
                current.responses().violating(request));
          }
        }
        sendJson(exchange, 200, answer, Map.of());
      }
      default -> throw new IllegalStateException("not a malformed-response fault: " + kind);
    }
  }

  // ---------------------------------------------------------------- answers

  /** The body a well-behaved service would send. */
  private ObjectNode answer(HttpExchange exchange, Engine current, String endpoint, @Nullable String deployment,
      JsonNode request) {
    return switch (endpoint) {
      case CONTENT_SAFETY -> current.scorer().analyze(request.path("text").asText(),
          ContentSafetyScorer.requestedCategories(request.get("categories")),
          "EightSeverityLevels".equals(request.path("outputType").asText()));
      case PROMPT_SHIELD -> {
        List<String> documents = new ArrayList<>();
        request.path("documents").forEach(d -> documents.add(d.asText()));
        yield current.scorer().shield(request.path("userPrompt").asText(""), documents);
      }
      default -> chatCompletion(exchange, current, deployment, request);
    };
  }

  /** For faults built on a real answer: a failing template must not turn the fault into a 500. */
  private ObjectNode answerOrEmpty(HttpExchange exchange, Engine current, String endpoint, @Nullable String deployment,
      JsonNode request) {
    try {
      return answer(exchange, current, endpoint, deployment, request);
    } catch (ResponseGenerator.GenerationException e) {
      return JSON.createObjectNode();
    }
  }

  private ObjectNode chatCompletion(HttpExchange exchange, Engine current, @Nullable String deployment, JsonNode request) {
    return chatCompletion(current, deployment, request,
        exchange.getRequestHeaders().getFirst("X-Fake-Response-Mode"),
        exchange.getRequestHeaders().getFirst("X-Fake-Template"));
  }

  private ObjectNode chatCompletion(Engine current, @Nullable String deployment, JsonNode request,
      @Nullable String modeHeader, @Nullable String templateHeader) {
    String model = request.path("model").isTextual() ? request.path("model").asText()
        : deployment != null ? deployment : "gpt-4o";
    int choices = Math.max(1, request.path("n").asInt(1));
    ObjectNode completion = JSON.createObjectNode();
    completion.put("id", "chatcmpl-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24));
    completion.put("object", "chat.completion");
    completion.put("created", Instant.now().getEpochSecond());
    completion.put("model", model);
    completion.put("system_fingerprint", "fp_chaosllm");
    ArrayNode array = completion.putArray("choices");
    int completionTokens = 0;
    for (int i = 0; i < choices; i++) {
      String content = current.responses().content(request, model, deployment, modeHeader, templateHeader);
      completionTokens += tokens(content);
      ObjectNode choice = array.addObject();
      choice.put("index", i);
      choice.putObject("message").put("role", "assistant").put("content", content);
      choice.put("finish_reason", "stop");
      choice.putNull("logprobs");
    }
    int promptTokens = 0;
    for (JsonNode message : request.path("messages")) {
      promptTokens += tokens(ResponseGenerator.text(message.path("content"))) + 4;
    }
    completion.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
    return completion;
  }

  /** A stable stand-in for a tokenizer: one token per whitespace-separated word. */
  private static int tokens(String text) {
    String trimmed = text.strip();
    return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
  }

  private static @Nullable String validate(String endpoint, JsonNode request) {
    switch (endpoint) {
      case CONTENT_SAFETY -> {
        if (!request.path("text").isTextual()) {
          return "The 'text' field is required and must be a string.";
        }
        if (request.path("text").asText().length() > 10_000) {
          return "The 'text' field exceeds the maximum length of 10000 characters.";
        }
        return null;
      }
      case PROMPT_SHIELD -> {
        boolean hasPrompt = request.path("userPrompt").isTextual();
        boolean hasDocuments = request.path("documents").isArray();
        if (!hasPrompt && !hasDocuments) {
          return "At least one of 'userPrompt' (string) or 'documents' (array of strings) is required.";
        }
        return null;
      }
      default -> {
        JsonNode messages = request.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
          return "'messages' is a required property and must be a non-empty array.";
        }
        return null;
      }
    }
  }

  private static boolean authorized(HttpExchange exchange, String endpoint, ChaosConfig.Auth auth) {
    var headers = exchange.getRequestHeaders();
    String key = switch (endpoint) {
      case CHAT_OPENAI, CHAT_OPENROUTER -> bearer(headers.getFirst("Authorization"));
      case CHAT_AZURE -> firstNonNull(headers.getFirst("api-key"), bearer(headers.getFirst("Authorization")));
      default -> firstNonNull(headers.getFirst("Ocp-Apim-Subscription-Key"), headers.getFirst("api-key"));
    };
    if (key == null || key.isBlank()) {
      return false;
    }
    return auth.apiKeys().isEmpty() || auth.apiKeys().contains(key);
  }

  private static @Nullable String bearer(@Nullable String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return authorization.substring(7).strip();
  }

  private static @Nullable String firstNonNull(@Nullable String a, @Nullable String b) {
    return a != null ? a : b;
  }

  private static @Nullable String queryParam(URI uri, String name) {
    String query = uri.getRawQuery();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (key.equals(name)) {
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        return value.isEmpty() ? null : value;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- plumbing

  private static ObjectNode error(String code, String message, String type) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error").put("code", code).put("message", message).put("type", type);
    return body;
  }

  private void count(String endpoint, String outcome, int status) {
    total.increment();
    byEndpoint.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
    byOutcome.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    byStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
  }

  private static <K> Map<K, Long> snapshot(Map<K, LongAdder> counters) {
    Map<K, Long> copy = new HashMap<>();
    counters.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }

  private static byte[] bytes(JsonNode json) {
    try {
      return JSON.writeValueAsBytes(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sendJson(HttpExchange exchange, int status, JsonNode body, Map<String, String> headers)
      throws IOException {
    send(exchange, status, "application/json", bytes(body), headers);
  }

  private static void send(HttpExchange exchange, int status, String contentType, byte[] body,
      Map<String, String> headers) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    String requestId = UUID.randomUUID().toString();
    exchange.getResponseHeaders().set("x-request-id", requestId);
    exchange.getResponseHeaders().set("apim-request-id", requestId);
    headers.forEach(exchange.getResponseHeaders()::set);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static void sleepMs(long millis) throws InterruptedException {
    if (millis > 0) {
      Thread.sleep(millis);
    }
  }

  private String urlHost() {
    String host = engine.config().server().host();
    return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host.contains(":") ? "[" + host + "]" : host;
  }

  /** The response mode in force, for the CLI banner. */
  ResponseMode responseMode() {
    return engine.config().response().mode();
  }
}
