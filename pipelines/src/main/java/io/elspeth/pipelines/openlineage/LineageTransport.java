package io.elspeth.pipelines.openlineage;

import io.elspeth.pipelines.settings.LineageSettings;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where OpenLineage events go, as OpenLineage's clients name their transports. {@link #send} throws
 * on failure; the caller ({@link LineageEmitter}) counts and logs it. {@link #toString()} names the
 * destination without any secret.
 */
public sealed interface LineageTransport {

  /** Delivers one event (its JSON text). */
  void send(String eventJson) throws IOException, InterruptedException;

  /** The transports {@code settings} configure, in a fixed order: http, file, console. */
  static List<LineageTransport> of(LineageSettings settings) {
    List<LineageTransport> out = new ArrayList<>();
    if (settings.http() != null) {
      out.add(new Http(settings.http()));
    }
    if (settings.file() != null) {
      out.add(new JsonLinesFile(settings.file()));
    }
    if (settings.console()) {
      out.add(new Console());
    }
    return out;
  }

  /**
   * OpenLineage's HTTP transport: POST of the event as JSON; a 2xx answer is a delivery. The API
   * key goes in the {@code Authorization} header only, never in a message.
   */
  final class Http implements LineageTransport {
    private final LineageSettings.Http settings;
    private final HttpClient client;

    Http(LineageSettings.Http settings) {
      this.settings = settings;
      this.client = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
    }

    @Override
    public void send(String eventJson) throws IOException, InterruptedException {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(settings.eventsUri())
              .timeout(settings.timeout())
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(eventJson, StandardCharsets.UTF_8));
      if (settings.apiKey() != null) {
        request.header("Authorization", "Bearer " + settings.apiKey());
      }
      HttpResponse<Void> response =
          client.send(request.build(), HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() / 100 != 2) {
        throw new IOException("HTTP " + response.statusCode() + " from " + settings.eventsUri());
      }
    }

    @Override
    public String toString() {
      return "http " + settings.eventsUri();
    }
  }

  /** OpenLineage's file transport: one event a line, appended (the folder is created). */
  record JsonLinesFile(Path path) implements LineageTransport {
    @Override
    public void send(String eventJson) throws IOException {
      if (path.getParent() != null) {
        Files.createDirectories(path.getParent());
      }
      Files.writeString(
          path,
          eventJson + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }

    @Override
    public String toString() {
      return "file " + path;
    }
  }

  /** OpenLineage's console transport: the event in the log, at INFO. */
  record Console() implements LineageTransport {
    private static final Logger LOG = LoggerFactory.getLogger("io.elspeth.openlineage");

    @Override
    public void send(String eventJson) {
      LOG.info("{}", eventJson);
    }

    @Override
    public String toString() {
      return "console";
    }
  }
}
