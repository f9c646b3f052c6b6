package io.elspeth.testkit.otlp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * A loopback HTTP endpoint that captures every request (method, path, headers, body with gzip
 * undone) and answers with a fixed status and body, e.g. to stand in for Application Insights'
 * ingestion endpoint while a real exporter talks to it.
 */
public final class HttpCaptureServer implements AutoCloseable {
  static {
    // The JDK server delays each keep-alive response by ~40 ms (Nagle against delayed ACKs)
    // unless told otherwise; a receiver that slow would throttle the exporter it measures.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /** One captured request; header names are lower-case. */
  public record Request(String method, String path, Map<String, List<String>> headers,
      String body) {}

  private final HttpServer server;
  private final List<Request> requests = new ArrayList<>();
  private volatile int status = 200;
  private volatile String answer = "{}";

  private HttpCaptureServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public static HttpCaptureServer start() {
    try {
      return new HttpCaptureServer();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the capture server on loopback", e);
    }
  }

  /** {@code http://127.0.0.1:PORT/}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  /** Answer later requests with this status and body. */
  public void respond(int status, String body) {
    this.status = status;
    this.answer = body;
  }

  public synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      boolean gzip = "gzip".equalsIgnoreCase(exchange.getRequestHeaders()
          .getFirst("Content-Encoding"));
      String body;
      try (InputStream in = gzip ? new GZIPInputStream(exchange.getRequestBody())
          : exchange.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Map<String, List<String>> headers = new TreeMap<>();
      exchange.getRequestHeaders().forEach((k, v) ->
          headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      synchronized (this) {
        requests.add(new Request(exchange.getRequestMethod(),
            exchange.getRequestURI().getPath(), headers, body));
      }
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        exchange.getResponseBody().write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
