package io.elspeth.testkit.chaosweb;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake web server on loopback (plain HTTP) for the {@code web_scrape} transform, with
 * ChaosWeb-style faults chosen by path:
 *
 * <ul>
 *   <li>{@code /page/{name}}: the HTML stored with {@link #page}, else 404;
 *   <li>{@code /status/{code}}: an HTML error page with that status;
 *   <li>{@code /flaky/{n}/{name}}: 503 for the first {@code n} requests of that path, then the page
 *       (retry tests);
 *   <li>{@code /slow/{ms}/{name}}: the page after {@code ms} milliseconds (timeouts);
 *   <li>{@code /redirect/{hops}/{name}}: {@code hops} 302 redirects, then the page;
 *   <li>{@code /redirect-to?url=...}: one 302 to any URL (SSRF through a redirect);
 *   <li>{@code /loop}: redirects to itself for ever;
 *   <li>{@code /malformed}: broken, unclosed HTML with stray bytes;
 *   <li>{@code /binary}: bytes that are not text.
 * </ul>
 *
 * It records each request's path and the {@code X-Abuse-Contact} / {@code X-Scraping-Reason}
 * headers it carried.
 */
public final class ChaosWebServer implements AutoCloseable {
  /** A request as received. */
  public record Request(String path, String abuseContact, String scrapingReason) {}

  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "chaosweb");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, String> pages = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> flaky = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private ChaosWebServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  public static ChaosWebServer start() {
    try {
      return new ChaosWebServer();
    } catch (IOException e) {
      throw new UncheckedIOException("ChaosWeb could not listen on loopback", e);
    }
  }

  /** {@code http://127.0.0.1:PORT} (no trailing slash). */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Serves {@code html} at {@code /page/{name}} (and behind the fault paths). */
  public ChaosWebServer page(String name, String html) {
    pages.put(name, html);
    return this;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      requests.add(
          new Request(
              path,
              ex.getRequestHeaders().getFirst("X-Abuse-Contact"),
              ex.getRequestHeaders().getFirst("X-Scraping-Reason")));
      String[] p = path.substring(1).split("/");
      switch (p[0]) {
        case "page" -> page(ex, p.length > 1 ? p[1] : "");
        case "status" ->
            html(
                ex,
                Integer.parseInt(p[1]),
                "<html><body><h1>Error " + p[1] + "</h1></body></html>");
        case "flaky" -> {
          int failures = Integer.parseInt(p[1]);
          int seen = flaky.computeIfAbsent(path, k -> new AtomicInteger()).getAndIncrement();
          if (seen < failures) {
            html(ex, 503, "<html><body>busy</body></html>");
          } else {
            page(ex, p[2]);
          }
        }
        case "slow" -> {
          try {
            Thread.sleep(Long.parseLong(p[1]));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          page(ex, p[2]);
        }
        case "redirect" -> {
          int hops = Integer.parseInt(p[1]);
          redirect(ex, hops <= 1 ? "/page/" + p[2] : "/redirect/" + (hops - 1) + "/" + p[2]);
        }
        case "redirect-to" -> {
          String query = ex.getRequestURI().getRawQuery();
          redirect(
              ex,
              java.net.URLDecoder.decode(query.substring("url=".length()), StandardCharsets.UTF_8));
        }
        case "loop" -> redirect(ex, "/loop");
        case "malformed" ->
            html(
                ex,
                200,
                "<html><body><div><p>Unclosed <b>bold <i>and"
                    + " <table><tr><td>cell</div></span>\u0000 tail &amp &bogus; <p>end");
        case "binary" -> {
          byte[] bytes = {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0x80, (byte) 0xc3};
          ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
          ex.sendResponseHeaders(200, bytes.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
          }
        }
        default -> html(ex, 404, "<html><body>not found</body></html>");
      }
    } catch (RuntimeException e) {
      // A malformed fault path: answer 400 rather than dropping the connection.
      try {
        html(ex, 400, "<html><body>bad fault path</body></html>");
      } catch (IOException ignored) {
        // The client went away.
      }
    }
  }

  private void page(HttpExchange ex, String name) throws IOException {
    String html = pages.get(name);
    if (html == null) {
      html(ex, 404, "<html><body>no page " + name + "</body></html>");
    } else {
      html(ex, 200, html);
    }
  }

  private static void redirect(HttpExchange ex, String location) throws IOException {
    ex.getResponseHeaders().set("Location", location);
    ex.sendResponseHeaders(302, -1);
  }

  private static void html(HttpExchange ex, int status, String html) throws IOException {
    byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
