package io.elspeth.pipelines.e2e;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An OpenLineage HTTP endpoint on loopback (the JDK's HTTP server): it keeps every POST to {@code
 * /api/v1/lineage} (its body and Authorization header) and answers with the status set ({@code
 * 201}, as Marquez does, unless told to fail).
 */
final class OpenLineageReceiver implements AutoCloseable {
  /** One request received. */
  record Received(String path, @Nullable String authorization, String contentType, String body) {}

  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile int status = 201;

  private OpenLineageReceiver(HttpServer server) {
    this.server = server;
  }

  static OpenLineageReceiver start() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    OpenLineageReceiver r = new OpenLineageReceiver(server);
    server.createContext(
        "/api/v1/lineage",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            r.received.add(
                new Received(
                    exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")),
                    new String(in.readAllBytes(), StandardCharsets.UTF_8)));
          }
          exchange.sendResponseHeaders(r.status, -1);
          exchange.close();
        });
    server.start();
    return r;
  }

  /** The base URL the transport is configured with. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers every later request with {@code code}. */
  void answerWith(int code) {
    this.status = code;
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
