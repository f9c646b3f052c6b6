package io.elspeth.transforms.web;

import io.elspeth.connectors.client.AuditedHttpClient;
import io.elspeth.connectors.client.CallSink;
import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.connectors.client.ExternalCallException;
import io.elspeth.connectors.client.PoolSettings;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.local.TransformOptions;
import io.elspeth.transforms.step.ExternalCallTransform;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformPlugin;
import io.elspeth.transforms.step.TransformResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code web_scrape} (ELSPETH's): fetches the page at the URL in {@code url_field}, keeps its
 * content ({@code markdown}, {@code text} or {@code raw}) in {@code content_field} and its SHA-256
 * fingerprint in {@code fingerprint_field}, and adds {@code fetch_status}, {@code fetch_url_final}
 * and {@code fetch_url_final_ip}. Every request (each redirect hop too) is one audited {@code http}
 * call with the {@code X-Abuse-Contact} and {@code X-Scraping-Reason} headers; URLs are checked
 * against SSRF ({@link SsrfGuard}) before the first request and at every redirect. 429, 5xx and
 * network failures are retried by the run's {@code retry} policy; a blocked or unresolvable URL, a
 * 4xx and a page that cannot be extracted reject the row with the reason.
 */
public final class WebScrapePlugin implements TransformPlugin {
  static final int MAX_REDIRECTS = 10;

  @Override
  public String name() {
    return "web_scrape";
  }

  @Override
  public String description() {
    return "Fetches the web page a row names, keeping its content and a fingerprint";
  }

  @Override
  public String determinism() {
    return "external_call";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> own =
        new ArrayList<>(
            List.of(
                OptionSpec.required(
                    "url_field", OptionType.STRING, "field holding the URL to fetch"),
                OptionSpec.required(
                    "content_field", OptionType.STRING, "field for the page content"),
                OptionSpec.required(
                    "fingerprint_field",
                    OptionType.STRING,
                    "field for the SHA-256 fingerprint of the content"),
                OptionSpec.oneOf(
                    "format",
                    "markdown",
                    List.of("markdown", "text", "raw"),
                    "what to keep of the page"),
                OptionSpec.oneOf(
                    "fingerprint_mode",
                    "content",
                    List.of("content", "full"),
                    "content: whitespace-insensitive; full: exact"),
                OptionSpec.optional(
                    "strip_elements",
                    OptionType.STRING_LIST,
                    List.of("script", "style"),
                    "HTML elements removed before extraction"),
                OptionSpec.required(
                    "http",
                    OptionType.OBJECT,
                    "{abuse_contact, scraping_reason,"
                        + " timeout (seconds, default 30), allowed_hosts (public_only | allow_private |"
                        + " [CIDR, ...])}")));
    own.addAll(PoolSettings.options());
    return TransformOptions.with(own.toArray(OptionSpec[]::new));
  }

  @Override
  public List<String> validate(PluginOptions options) {
    List<String> problems = new ArrayList<>(PoolSettings.validate(options));
    for (String f : List.of("url_field", "content_field", "fingerprint_field")) {
      String value = options.string(f);
      if (value != null && value.isEmpty()) {
        problems.add(f + ": must not be empty");
      }
    }
    String content = options.string("content_field");
    if (content != null && content.equals(options.string("fingerprint_field"))) {
      problems.add(
          "fingerprint_field: content_field and fingerprint_field must differ, both are '"
              + content
              + "'");
    }
    Http.parse(options.map("http"), problems);
    return problems;
  }

  @Override
  public RowTransform create(PluginOptions options) {
    return create(options, ClientSettings.defaults());
  }

  @Override
  public RowTransform create(PluginOptions options, ClientSettings client) {
    List<String> problems = new ArrayList<>();
    Http http = Http.parse(options.map("http"), problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("web_scrape: " + String.join("; ", problems));
    }
    List<String> strip =
        options.has("strip_elements")
            ? options.strings("strip_elements")
            : List.of("script", "style");
    return new Scrape(
        options.requiredString("url_field"),
        options.requiredString("content_field"),
        options.requiredString("fingerprint_field"),
        options.string("format") == null ? "markdown" : options.string("format"),
        options.string("fingerprint_mode") == null ? "content" : options.string("fingerprint_mode"),
        strip,
        http,
        client,
        PoolSettings.from(options));
  }

  /** The {@code http:} block. */
  record Http(String abuseContact, String scrapingReason, Duration timeout, SsrfGuard guard)
      implements java.io.Serializable {
    static Http parse(Map<String, Object> m, List<String> problems) {
      for (Object key : m.keySet()) {
        if (!List.of("abuse_contact", "scraping_reason", "timeout", "allowed_hosts")
            .contains(String.valueOf(key))) {
          problems.add(
              "http."
                  + key
                  + ": unknown key (expected abuse_contact, scraping_reason,"
                  + " timeout, allowed_hosts)");
        }
      }
      String contact = text(m, "abuse_contact", problems);
      String reason = text(m, "scraping_reason", problems);
      long timeout = 30;
      Object t = m.get("timeout");
      if (t != null) {
        if (!(t instanceof Number n)
            || n.doubleValue() != Math.floor(n.doubleValue())
            || n.longValue() <= 0) {
          problems.add("http.timeout: expected a positive whole number of seconds, got " + t);
        } else {
          timeout = n.longValue();
        }
      }
      SsrfGuard guard = SsrfGuard.of(m.get("allowed_hosts"), problems);
      return new Http(contact, reason, Duration.ofSeconds(timeout), guard);
    }

    private static String text(Map<String, Object> m, String key, List<String> problems) {
      Object v = m.get(key);
      if (!(v instanceof String s) || s.isBlank()) {
        problems.add(
            "http."
                + key
                + ": required, a non-empty string ("
                + (key.equals("abuse_contact")
                    ? "an email for abuse reports"
                    : "why the pages are fetched, recorded with every request")
                + ")");
        return "";
      }
      return s;
    }
  }

  static final class Scrape extends ExternalCallTransform {
    private final String urlField;
    private final String contentField;
    private final String fingerprintField;
    private final String format;
    private final String fingerprintMode;
    private final List<String> strip;
    private final Http http;
    private transient @Nullable AuditedHttpClient client;

    Scrape(
        String urlField,
        String contentField,
        String fingerprintField,
        String format,
        String fingerprintMode,
        List<String> strip,
        Http http,
        ClientSettings settings,
        PoolSettings pool) {
      super(settings, pool, "web_scrape");
      this.urlField = urlField;
      this.contentField = contentField;
      this.fingerprintField = fingerprintField;
      this.format = format;
      this.fingerprintMode = fingerprintMode;
      this.strip = List.copyOf(strip);
      this.http = http;
    }

    @Override
    public Set<String> declaredOutputFields() {
      return Set.of(
          contentField, fingerprintField, "fetch_status", "fetch_url_final", "fetch_url_final_ip");
    }

    @Override
    public void setup() {
      client = AuditedHttpClient.create(http.timeout(), clientSettings().secretUrlParams());
    }

    @Override
    public void teardown() {
      if (client != null) {
        client.close();
      }
    }

    private AuditedHttpClient client() {
      if (client == null) {
        throw new IllegalStateException("setup() was not called");
      }
      return client;
    }

    /** A fetched page: the last answer and where it came from. */
    private record Page(AuditedHttpClient.Response response, String url, String ip) {}

    /** Why a fetch stopped for good (not retried): blocked redirect, too many redirects. */
    private static ExternalCallException refused(String[] type, String errorType, String message) {
      type[0] = errorType;
      return new ExternalCallException(ExternalCallException.Kind.CLIENT, message, null);
    }

    @Override
    public TransformResult apply(Map<String, Object> row, CallSink calls) {
      Object value = row.get(urlField);
      if (!(value instanceof String url)) {
        return TransformResult.error(
            reason(
                "validation_failed",
                "TypeError",
                "field '"
                    + urlField
                    + "' is "
                    + (value == null ? "missing or null" : "not a string"),
                null));
      }
      SsrfGuard.Checked first;
      try {
        first = http.guard().check(url);
      } catch (SsrfGuard.Blocked e) {
        return TransformResult.error(
            reason("validation_failed", "SSRFBlockedError", e.getMessage(), null));
      } catch (SsrfGuard.Unresolved e) {
        return TransformResult.error(
            reason("validation_failed", "NetworkError", e.getMessage(), null));
      }
      Page page;
      String[] refusal = new String[1];
      try {
        page = call(() -> fetch(first, calls, refusal));
      } catch (ExternalCallException e) {
        Map<String, Object> r =
            reason(
                "api_error",
                refusal[0] != null ? refusal[0] : errorType(e),
                e.getMessage(),
                e.statusCode());
        r.put("attempts", e.attempts());
        r.put("url", client().urls().url(url));
        return TransformResult.error(r);
      }
      String html =
          page.response().body() instanceof String s
              ? s
              : new String(page.response().raw(), java.nio.charset.StandardCharsets.UTF_8);
      String content;
      try {
        content = PageContent.extract(html, format, strip);
      } catch (RuntimeException e) {
        Map<String, Object> r =
            reason(
                "content_extraction_failed",
                e.getClass().getSimpleName(),
                String.valueOf(e.getMessage()),
                null);
        r.put("url", client().urls().url(url));
        return TransformResult.error(r);
      }
      Map<String, Object> out = new LinkedHashMap<>(row);
      out.put(contentField, content);
      out.put(fingerprintField, PageContent.fingerprint(content, fingerprintMode));
      out.put("fetch_status", (long) page.response().statusCode());
      out.put("fetch_url_final", client().urls().url(page.url()));
      out.put("fetch_url_final_ip", page.ip());
      return TransformResult.success(out);
    }

    /** One attempt: the request and each redirect hop, every one checked and recorded. */
    private Page fetch(SsrfGuard.Checked start, CallSink calls, String[] refusal)
        throws ExternalCallException {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("X-Abuse-Contact", http.abuseContact());
      headers.put("X-Scraping-Reason", http.scrapingReason());
      SsrfGuard.Checked at = start;
      for (int hop = 0; ; hop++) {
        AuditedHttpClient.Response r =
            client().getPage(at.uri().toString(), headers, http.timeout(), calls);
        if (r.statusCode() < 300 || r.statusCode() >= 400) {
          return new Page(r, at.uri().toString(), at.resolvedIp());
        }
        if (hop >= MAX_REDIRECTS) {
          throw refused(
              refusal,
              "InvalidURLError",
              "too many redirects (more than "
                  + MAX_REDIRECTS
                  + ") from "
                  + client().urls().url(start.uri().toString()));
        }
        String location =
            String.valueOf(
                r.headers().entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase("location"))
                    .map(Map.Entry::getValue)
                    .findFirst()
                    .orElse(""));
        String next;
        try {
          next = at.uri().resolve(location.trim()).toString();
        } catch (IllegalArgumentException e) {
          throw refused(refusal, "InvalidURLError", "invalid redirect Location: " + e.getMessage());
        }
        try {
          at = http.guard().check(next);
        } catch (SsrfGuard.Blocked | SsrfGuard.Unresolved e) {
          throw refused(refusal, "SSRFBlockedError", "redirect refused: " + e.getMessage());
        }
      }
    }

    private static String errorType(ExternalCallException e) {
      Integer status = e.statusCode();
      if (status == null) {
        return e.kind() == ExternalCallException.Kind.NETWORK ? "NetworkError" : "InvalidURLError";
      }
      return switch (status) {
        case 404 -> "NotFoundError";
        case 403 -> "ForbiddenError";
        case 401 -> "UnauthorizedError";
        case 429 -> "RateLimitError";
        default -> status >= 500 ? "ServerError" : "HTTPError";
      };
    }

    private static Map<String, Object> reason(
        String reason, String type, @Nullable String message, @Nullable Integer status) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("reason", reason);
      r.put("error", message);
      r.put("error_type", type);
      if (status != null) {
        r.put("status_code", status);
      }
      return r;
    }
  }
}
