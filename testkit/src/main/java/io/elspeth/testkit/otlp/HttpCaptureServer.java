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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.checkerframework.checker.nullness.qual.Nullable;

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
  public record Request(
      String method, String path, Map<String, List<String>> headers, String body) {}

  private final HttpServer server;
  private final List<Request> requests = new ArrayList<>();
  private volatile int status = 200;
  private volatile String answer = "{}";
  private volatile @Nullable CountDownLatch held;

  /** A thread per request: requests held at once are all captured before any is answered. */
  private final ExecutorService handlers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "http-capture");
            t.setDaemon(true);
            return t;
          });

  private HttpCaptureServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(handlers);
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

  /**
   * Captures later requests at once but answers none until {@link #release}, as a slow backend does
   * (each waits at most 30 s): shows how many requests a client has out together.
   */
  public void hold() {
    held = new CountDownLatch(1);
  }

  /** Answers the held requests and stops holding. */
  public void release() {
    CountDownLatch h = held;
    held = null;
    if (h != null) {
      h.countDown();
    }
  }

  /** Waits up to 10 s until {@code n} requests have been captured; whether they were. */
  public boolean awaitRequests(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    synchronized (this) {
      while (requests.size() < n && System.nanoTime() < deadline) {
        wait(50);
      }
      return requests.size() >= n;
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      boolean gzip =
          "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
      String body;
      try (InputStream in =
          gzip ? new GZIPInputStream(exchange.getRequestBody()) : exchange.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Map<String, List<String>> headers = new TreeMap<>();
      exchange
          .getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      synchronized (this) {
        requests.add(
            new Request(
                exchange.getRequestMethod(), exchange.getRequestURI().getPath(), headers, body));
        notifyAll();
      }
      CountDownLatch h = held;
      if (h != null) {
        try {
          h.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
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
    release();
    server.stop(0);
    handlers.shutdownNow();
  }
}
