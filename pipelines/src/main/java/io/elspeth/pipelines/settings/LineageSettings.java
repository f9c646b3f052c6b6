package io.elspeth.pipelines.settings;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code lineage:} settings section: where the run's OpenLineage events go. Any of three
 * transports, together: {@code http} (OpenLineage's HTTP transport, a Marquez-compatible endpoint),
 * {@code file} (one JSON event a line, appended) and {@code console} (the log). Without a
 * transport, or with {@code enabled: false}, no event is emitted.
 *
 * @param namespace the OpenLineage job namespace
 * @param consoleUrl base URL of an {@code elspeth web} console, linked from each run's facet
 * @param http the HTTP transport, or null
 * @param file the file the events are appended to, or null
 * @param console whether events are written to the log
 * @param runningInterval how often a run still going sends a {@code RUNNING} event
 */
public record LineageSettings(
    String namespace,
    @Nullable String consoleUrl,
    @Nullable Http http,
    @Nullable Path file,
    boolean console,
    Duration runningInterval) {

  /** The default job namespace. */
  public static final String DEFAULT_NAMESPACE = "elspeth";

  /** OpenLineage's default path of the HTTP transport, under {@code url}. */
  public static final String DEFAULT_ENDPOINT = "api/v1/lineage";

  /**
   * OpenLineage's HTTP transport: each event POSTed as JSON to {@code url/endpoint}, with {@code
   * Authorization: Bearer <apiKey>} when a key is set. {@link #toString()} never shows the key.
   */
  public record Http(URI url, String endpoint, @Nullable String apiKey, Duration timeout) {
    /** Where events are POSTed. */
    public URI eventsUri() {
      String base = url.toString().endsWith("/") ? url.toString() : url + "/";
      String path = endpoint.startsWith("/") ? endpoint.substring(1) : endpoint;
      return URI.create(base + path);
    }

    @Override
    public String toString() {
      return "Http[" + eventsUri() + (apiKey == null ? "" : ", api key set") + "]";
    }
  }

  static final List<OptionSpec> OPTIONS =
      List.of(
          OptionSpec.optional(
              "enabled",
              OptionType.BOOL,
              true,
              "emit OpenLineage events to the transports configured"),
          OptionSpec.optional(
              "namespace", OptionType.STRING, DEFAULT_NAMESPACE, "the OpenLineage job namespace"),
          OptionSpec.optional(
              "console_url",
              OptionType.STRING,
              null,
              "base URL of the elspeth web console, linked from the run facet"),
          OptionSpec.optional(
              "http",
              OptionType.OBJECT,
              null,
              "HTTP transport: {url, endpoint, api_key, timeout_seconds}"),
          OptionSpec.optional("file", OptionType.PATH, null, "file the events are appended to"),
          OptionSpec.optional("console", OptionType.BOOL, false, "write the events to the log"),
          OptionSpec.optional(
              "running_interval_seconds",
              OptionType.NUMBER,
              60.0,
              "how often a run still going sends a RUNNING event"));

  private static final List<OptionSpec> HTTP_OPTIONS =
      List.of(
          OptionSpec.required(
              "url",
              OptionType.STRING,
              "the OpenLineage server (e.g. Marquez at http://localhost:5000)"),
          OptionSpec.optional(
              "endpoint",
              OptionType.STRING,
              DEFAULT_ENDPOINT,
              "path of the lineage endpoint under url"),
          OptionSpec.optional(
              "api_key", OptionType.SECRET, null, "sent as Authorization: Bearer <api_key>"),
          OptionSpec.optional(
              "timeout_seconds", OptionType.NUMBER, 5.0, "how long one POST may take"));

  /** No lineage: nothing is emitted. */
  public static LineageSettings disabled() {
    return new LineageSettings(DEFAULT_NAMESPACE, null, null, null, false, Duration.ofSeconds(60));
  }

  /** Whether any transport is configured. */
  public boolean enabled() {
    return http != null || file != null || console;
  }

  /**
   * The lineage {@code raw} (the {@code lineage:} section) configures; {@link #disabled()} when it
   * is absent or disabled. Its problems, with their key paths, are added to {@code problems}.
   */
  public static LineageSettings parse(@Nullable Object raw, List<String> problems) {
    if (raw == null) {
      return disabled();
    }
    if (!(raw instanceof Map<?, ?>)) {
      problems.add(
          "lineage: expected a mapping {namespace, console_url, http, file, console},"
              + " got "
              + OptionsValidator.describe(raw));
      return disabled();
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) raw;
    OptionsValidator.Result r = OptionsValidator.validate(m, OPTIONS, "lineage", Set.of());
    problems.addAll(r.problems());
    PluginOptions o = r.options();
    if (o == null || !o.bool("enabled", true)) {
      return disabled();
    }
    String namespace = o.string("namespace");
    if (namespace == null || namespace.isBlank()) {
      problems.add("lineage.namespace: expected a non-empty job namespace");
      return disabled();
    }
    String consoleUrl = o.string("console_url");
    if (consoleUrl != null && absoluteHttpUri(consoleUrl) == null) {
      problems.add("lineage.console_url: expected an http(s) URL, got '" + consoleUrl + "'");
    }
    Http http = o.has("http") ? http(m.get("http"), problems) : null;
    String file = o.string("file");
    double running =
        ((Number)
                Objects.requireNonNull(
                    o.asMap().get("running_interval_seconds"),
                    "running_interval_seconds has a default"))
            .doubleValue();
    if (running <= 0) {
      problems.add(
          "lineage.running_interval_seconds: expected a positive number of seconds, got "
              + running);
      return disabled();
    }
    return new LineageSettings(
        namespace,
        consoleUrl,
        http,
        file == null ? null : Path.of(file).toAbsolutePath(),
        o.bool("console", false),
        Duration.ofMillis(Math.round(running * 1000)));
  }

  private static @Nullable Http http(@Nullable Object raw, List<String> problems) {
    if (!(raw instanceof Map<?, ?>)) {
      problems.add(
          "lineage.http: expected a mapping {url, endpoint, api_key, timeout_seconds},"
              + " got "
              + OptionsValidator.describe(raw));
      return null;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) raw;
    OptionsValidator.Result r =
        OptionsValidator.validate(m, HTTP_OPTIONS, "lineage.http", Set.of());
    problems.addAll(r.problems());
    PluginOptions o = r.options();
    if (o == null) {
      return null;
    }
    String url = o.requiredString("url");
    URI uri = absoluteHttpUri(url);
    if (uri == null) {
      problems.add(
          "lineage.http.url: expected an http(s) URL such as http://localhost:5000,"
              + " got '"
              + url
              + "'");
      return null;
    }
    double timeout = ((Number) o.asMap().getOrDefault("timeout_seconds", 5.0)).doubleValue();
    if (timeout <= 0) {
      problems.add(
          "lineage.http.timeout_seconds: expected a positive number of seconds, got " + timeout);
      return null;
    }
    String apiKey = o.string("api_key");
    return new Http(
        uri,
        o.requiredString("endpoint"),
        apiKey == null || apiKey.isEmpty() ? null : apiKey,
        Duration.ofMillis(Math.round(timeout * 1000)));
  }

  private static @Nullable URI absoluteHttpUri(String s) {
    try {
      URI uri = new URI(s);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
              && uri.getHost() != null
          ? uri
          : null;
    } catch (java.net.URISyntaxException e) {
      return null;
    }
  }
}
