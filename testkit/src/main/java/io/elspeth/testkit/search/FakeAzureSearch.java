package io.elspeth.testkit.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A fake Azure AI Search service on loopback HTTPS, for driving the real Azure SDK client ({@code
 * SearchClient}) and ELSPETH-shaped requests without Azure.
 *
 * <p>It serves the documents it was given ({@link #put}) from named indexes:
 *
 * <ul>
 *   <li>{@code POST /indexes/{index}/docs/search} and the SDK's {@code
 *       /indexes('{index}')/docs/search.post.search} (with {@code api-version}): the body's {@code
 *       search} text and {@code vectorQueries[].text} are matched against each document's {@code
 *       content} word by word (case-insensitive); a document no query word matches is not returned.
 *       The score is the service's kind: with {@code search} (keyword, hybrid, semantic) 5 per
 *       distinct matched word (BM25-like, 0 to 50); vector only, the matched share of the query's
 *       words (cosine-like, 0 to 1); semantic answers also carry {@code @search.rerankerScore}
 *       (0–4). At most {@code top} results, best first: {@code {"value": [{"@search.score", "id",
 *       "content", ...fields}]}}.
 *   <li>{@code GET /indexes/{index}/docs/$count}: the number of documents, as text.
 * </ul>
 *
 * Every request needs the {@code api-key} header this fake was started with (401 otherwise) and an
 * {@code api-version} query parameter (400 otherwise); an unknown index is 404. Faults: {@link
 * #failSearches} answers every search with a status, {@link #answerSearches} with a given body.
 * Serves under the TLS context it is given (share the one the JVM trusts).
 */
public final class FakeAzureSearch implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SEARCH =
      Pattern.compile("/indexes(?:/([^/()']+)|\\('([^']+)'\\))/docs/search(?:\\.post\\.search)?/?");
  private static final Pattern COUNT =
      Pattern.compile("/indexes(?:/([^/()']+)|\\('([^']+)'\\))/docs/\\$count/?");
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

  /** One request as received: method, path, query string, the parsed JSON body (or null). */
  public record Request(
      String method, String path, String query, @Nullable JsonNode body, boolean authorized) {}

  private final HttpsServer server;
  private final String apiKey;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fake-azure-search");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, List<ObjectNode>> indexes = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile int failStatus;
  private volatile @Nullable String cannedBody;

  private FakeAzureSearch(SSLContext tls, String apiKey) throws IOException {
    this.apiKey = apiKey;
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /**
   * Starts on a free loopback port, serving under {@code tls} (a server-side TLS context) and
   * accepting only {@code apiKey}.
   */
  public static FakeAzureSearch start(SSLContext tls, String apiKey) {
    try {
      return new FakeAzureSearch(tls, apiKey);
    } catch (IOException e) {
      throw new UncheckedIOException("the fake Azure AI Search could not listen on loopback", e);
    }
  }

  /** {@code https://127.0.0.1:PORT}: the service endpoint. */
  public String url() {
    return "https://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Creates {@code index} (empty) when it does not exist. */
  public FakeAzureSearch createIndex(String index) {
    indexes.computeIfAbsent(index, k -> new CopyOnWriteArrayList<>());
    return this;
  }

  /** Adds a document {@code {id, content, ...fields}} to {@code index} (created when missing). */
  public FakeAzureSearch put(String index, String id, String content, Map<String, ?> fields) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("id", id);
    doc.put("content", content);
    fields.forEach((k, v) -> doc.set(k, JSON.valueToTree(v)));
    indexes.computeIfAbsent(index, k -> new CopyOnWriteArrayList<>()).add(doc);
    return this;
  }

  /** Every search answers {@code status} (with an error body) until set back to 0. */
  public FakeAzureSearch failSearches(int status) {
    this.failStatus = status;
    return this;
  }

  /** Every search answers 200 with {@code body} as given (JSON or not) until set back to null. */
  public FakeAzureSearch answerSearches(@Nullable String body) {
    this.cannedBody = body;
    return this;
  }

  /** The requests seen, oldest first. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The search requests seen, oldest first. */
  public List<Request> searches() {
    return requests.stream().filter(r -> SEARCH.matcher(r.path()).matches()).toList();
  }

  /** Forgets the requests seen and any fault. */
  public FakeAzureSearch reset() {
    requests.clear();
    failStatus = 0;
    cannedBody = null;
    return this;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path =
          URLDecoder.decode(exchange.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
      String query = exchange.getRequestURI().getRawQuery();
      byte[] raw = exchange.getRequestBody().readAllBytes();
      @Nullable JsonNode body = null;
      if (raw.length > 0) {
        try {
          body = JSON.readTree(raw);
        } catch (IOException e) {
          body = null;
        }
      }
      boolean authorized = apiKey.equals(exchange.getRequestHeaders().getFirst("api-key"));
      requests.add(new Request(method, path, query == null ? "" : query, body, authorized));
      if (!authorized) {
        send(exchange, 401, error("Unauthorized", "Access denied due to invalid api-key."));
        return;
      }
      if (query == null || !query.contains("api-version=")) {
        send(exchange, 400, error("MissingApiVersionParameter", "api-version is required."));
        return;
      }
      Matcher search = SEARCH.matcher(path);
      Matcher count = COUNT.matcher(path);
      if (search.matches() && method.equals("POST")) {
        search(exchange, indexOf(search), body);
      } else if (count.matches() && method.equals("GET")) {
        List<ObjectNode> docs = indexes.get(indexOf(count));
        if (docs == null) {
          send(exchange, 404, error("ResourceNotFound", "The index was not found."));
        } else {
          sendText(exchange, 200, Integer.toString(docs.size()));
        }
      } else {
        send(
            exchange,
            404,
            error("ResourceNotFound", "the fake Azure AI Search does not serve " + path));
      }
    }
  }

  private static String indexOf(Matcher m) {
    return m.group(1) != null ? m.group(1) : m.group(2);
  }

  private void search(HttpExchange exchange, String index, @Nullable JsonNode body)
      throws IOException {
    if (failStatus != 0) {
      send(exchange, failStatus, error("Failure", "the fake Azure AI Search was told to fail"));
      return;
    }
    String canned = cannedBody;
    if (canned != null) {
      byte[] bytes = canned.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
      return;
    }
    List<ObjectNode> docs = indexes.get(index);
    if (docs == null) {
      send(exchange, 404, error("ResourceNotFound", "The index '" + index + "' was not found."));
      return;
    }
    if (body == null || !body.isObject()) {
      send(exchange, 400, error("InvalidRequestParameter", "The request body is not JSON."));
      return;
    }
    String text = body.path("search").isTextual() ? body.path("search").asText() : null;
    List<String> vectorTexts = new ArrayList<>();
    body.path("vectorQueries").forEach(q -> vectorTexts.add(q.path("text").asText("")));
    boolean semantic = "semantic".equalsIgnoreCase(body.path("queryType").asText(""));
    int top = body.path("top").isInt() ? body.path("top").asInt() : 50;
    Set<String> words = new LinkedHashSet<>();
    if (text != null) {
      words.addAll(words(text));
    }
    vectorTexts.forEach(t -> words.addAll(words(t)));
    List<ObjectNode> hits = new ArrayList<>();
    for (ObjectNode doc : docs) {
      Set<String> content = new LinkedHashSet<>(words(doc.path("content").asText("")));
      long matched = words.stream().filter(content::contains).count();
      if (matched == 0) {
        continue;
      }
      double score = text != null ? Math.min(50.0, 5.0 * matched) : (double) matched / words.size();
      ObjectNode hit = JSON.createObjectNode();
      hit.put("@search.score", score);
      if (semantic) {
        hit.put("@search.rerankerScore", Math.min(4.0, (double) matched));
      }
      hit.setAll(doc);
      hits.add(hit);
    }
    hits.sort(
        Comparator.comparingDouble((ObjectNode h) -> h.path("@search.score").asDouble())
            .reversed());
    ObjectNode out = JSON.createObjectNode();
    out.put("@odata.context", url() + "/indexes('" + index + "')/$metadata#docs(*)");
    ArrayNode value = out.putArray("value");
    hits.stream().limit(top).forEach(value::add);
    send(exchange, 200, out);
  }

  private static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static ObjectNode error(String code, String message) {
    ObjectNode out = JSON.createObjectNode();
    ObjectNode error = out.putObject("error");
    error.put("code", code);
    error.put("message", message);
    return out;
  }

  private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void sendText(HttpExchange exchange, int status, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
