package io.elspeth.connectors.client;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.audit.secrets.UrlRedactor;
import io.elspeth.connectors.replay.CallReplayer;
import io.elspeth.connectors.replay.ReplaySource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An HTTP client (on {@link java.net.http.HttpClient}) whose every request is one audited call of
 * type {@code http} (ELSPETH's {@code AuditedHTTPClient}): request {@code {method, url, headers,
 * json}} and response {@code {status_code, headers, body_size, body}} hashed as canonical JSON,
 * with credentials in headers fingerprinted or dropped and credentials in the URL (user-info
 * password, credential query parameters: {@link UrlRedactor}) fingerprinted before anything is
 * hashed or kept. A 2xx answer the caller's {@link ResponseReader} accepts is a success; a 2xx
 * answer it rejects (an empty body, HTML, a JSON document without the payload) is recorded as an
 * error with the response as received and the reader's failure; a 4xx or 5xx answer is recorded as
 * an error with its response and thrown classified; a transport failure is recorded without a
 * response and thrown as a network error. Whatever happens, the request that was sent has exactly
 * one call record. It does not retry: {@link CallRetrier} does, one record per attempt. Build it in
 * {@code @Setup}; it is thread-safe.
 */
public final class AuditedHttpClient implements AutoCloseable {
  private final HttpClient http;
  private final SecretFingerprinter fingerprinter;
  private final UrlRedactor urls;

  private AuditedHttpClient(
      HttpClient http, SecretFingerprinter fingerprinter, Collection<String> secretUrlParams) {
    this.http = http;
    this.fingerprinter = fingerprinter;
    this.urls = new UrlRedactor(fingerprinter, secretUrlParams);
  }

  /** A client with this connect timeout, fingerprinting with {@code ELSPETH_FINGERPRINT_KEY}. */
  public static AuditedHttpClient create(Duration connectTimeout) {
    return create(connectTimeout, List.of());
  }

  /**
   * As {@link #create(Duration)}, with the run's extra credential parameter names ({@code
   * landscape.secret_url_params}, {@link ClientSettings#secretUrlParams()}).
   */
  public static AuditedHttpClient create(
      Duration connectTimeout, Collection<String> secretUrlParams) {
    return new AuditedHttpClient(
        HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build(),
        SecretFingerprinter.fromEnvironment(),
        secretUrlParams);
  }

  /** How this client redacts URLs: for callers that put a URL in a message of their own. */
  public UrlRedactor urls() {
    return urls;
  }

  /**
   * Reads a 2xx answer into what the caller needs, before the call is recorded: throwing (a
   * classified {@link ExternalCallException}, or any runtime exception, taken as an unreadable
   * response) makes the recorded call an error with the response as received.
   */
  @FunctionalInterface
  public interface ResponseReader<T> {
    T read(Response response) throws ExternalCallException;
  }

  /**
   * What came back from a successful call: the body as recorded, and the bytes as received (for
   * callers that parse a non-JSON body themselves, e.g. a JSON-lines file).
   */
  public record Response(
      int statusCode, Map<String, Object> headers, @Nullable Object body, byte[] raw) {}

  /**
   * POSTs {@code json} to {@code url}, records the call under {@code sink}'s state, and returns a
   * 2xx response.
   */
  public Response post(
      String url, Map<String, String> headers, Object json, Duration timeout, CallSink sink)
      throws ExternalCallException {
    return post(url, headers, json, timeout, sink, r -> r);
  }

  /**
   * POSTs {@code json} to {@code url} and reads a 2xx answer with {@code reader}; the call is
   * recorded under {@code sink}'s state as a success only when the reader accepts the answer.
   */
  public <T> T post(
      String url,
      Map<String, String> headers,
      Object json,
      Duration timeout,
      CallSink sink,
      ResponseReader<T> reader)
      throws ExternalCallException {
    Map<String, Object> request = request("POST", url, headers);
    request.put("json", json);
    Map<String, String> sent = new LinkedHashMap<>(headers);
    return send(
        url,
        sent,
        HttpRequest.BodyPublishers.ofString(CanonicalJson.canonicalize(json)),
        "POST",
        request,
        timeout,
        sink,
        false,
        reader);
  }

  /**
   * GETs {@code url}, recorded as one call. With {@code textBody} the response body is recorded as
   * UTF-8 text whatever its content type (a downloaded JSON-lines file, which services send as
   * {@code application/octet-stream}).
   */
  public Response get(
      String url, Map<String, String> headers, Duration timeout, CallSink sink, boolean textBody)
      throws ExternalCallException {
    return send(
        url,
        headers,
        HttpRequest.BodyPublishers.noBody(),
        "GET",
        request("GET", url, headers),
        timeout,
        sink,
        textBody,
        r -> r);
  }

  /**
   * POSTs a {@code multipart/form-data} body of text {@code fields} and one file part ({@code
   * fileField}, {@code fileName}, bytes {@code file}), recorded as one call whose request names the
   * fields and the file's name, size and SHA-256 (the file's content is recorded by the caller
   * where it matters, e.g. one call per row for a batch of prompts).
   */
  public Response postMultipart(
      String url,
      Map<String, String> headers,
      Map<String, String> fields,
      String fileField,
      String fileName,
      byte[] file,
      Duration timeout,
      CallSink sink)
      throws ExternalCallException {
    MultipartForm form = MultipartForm.of(fields, fileField, fileName, file);
    Map<String, String> sent = new LinkedHashMap<>(headers);
    sent.put("Content-Type", form.contentType());
    Map<String, Object> request = request("POST", url, headers);
    request.put("multipart", form.recorded());
    return send(
        url,
        sent,
        HttpRequest.BodyPublishers.ofByteArray(form.body()),
        "POST",
        request,
        timeout,
        sink,
        false,
        r -> r);
  }

  private Map<String, Object> request(String method, String url, Map<String, String> headers) {
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("method", method);
    request.put("url", urls.url(url));
    request.put("headers", SensitiveHeaders.request(headers, fingerprinter));
    return request;
  }

  /**
   * GETs a web page, recorded as one call with the body as text: a 2xx answer, or a 3xx answer with
   * a {@code Location} (a redirect the caller decides whether to follow, each hop its own call), is
   * returned; anything else is recorded as an error and thrown classified.
   */
  public Response getPage(String url, Map<String, String> headers, Duration timeout, CallSink sink)
      throws ExternalCallException {
    return send(
        url,
        headers,
        HttpRequest.BodyPublishers.noBody(),
        "GET",
        request("GET", url, headers),
        timeout,
        sink,
        true,
        r -> r,
        true);
  }

  private <T> T send(
      String url,
      Map<String, String> headers,
      HttpRequest.BodyPublisher publisher,
      String method,
      Map<String, Object> request,
      Duration timeout,
      CallSink sink,
      boolean textBody,
      ResponseReader<T> reader)
      throws ExternalCallException {
    return send(url, headers, publisher, method, request, timeout, sink, textBody, reader, false);
  }

  private <T> T send(
      String url,
      Map<String, String> headers,
      HttpRequest.BodyPublisher publisher,
      String method,
      Map<String, Object> request,
      Duration timeout,
      CallSink sink,
      boolean textBody,
      ResponseReader<T> reader,
      boolean redirectIsAnswer)
      throws ExternalCallException {
    int index = sink.nextCallIndex();
    long started = System.nanoTime();
    ReplaySource replay = sink.replay();
    if (replay != null) {
      return replayed(replay, request, index, started, sink, reader, redirectIsAnswer);
    }
    HttpResponse<byte[]> answer;
    try {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(url)).timeout(timeout).method(method, publisher);
      headers.forEach(b::header);
      answer = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      ExternalCallException failure =
          new ExternalCallException(ExternalCallException.Kind.NETWORK, transportMessage(e), null);
      CallAudit.record(
          sink,
          index,
          "http",
          CallAudit.ERROR,
          request,
          null,
          transportError(e),
          CallAudit.millisSince(started));
      throw failure;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      CallAudit.record(
          sink,
          index,
          "http",
          CallAudit.ERROR,
          request,
          null,
          transportError(e),
          CallAudit.millisSince(started));
      throw new ExternalCallException(ExternalCallException.Kind.NETWORK, "interrupted", null);
    } catch (RuntimeException e) {
      // A request the JDK client refused to build or send (a bad URL, a restricted header): no
      // response, but still this attempt's record, and a row error rather than a crash.
      ExternalCallException failure =
          new ExternalCallException(ExternalCallException.Kind.CLIENT, transportMessage(e), null);
      CallAudit.record(
          sink,
          index,
          "http",
          CallAudit.ERROR,
          request,
          null,
          transportError(e),
          CallAudit.millisSince(started));
      throw failure;
    }
    double latency = CallAudit.millisSince(started);
    Map<String, String> responseHeaders = new LinkedHashMap<>();
    answer.headers().map().forEach((k, v) -> responseHeaders.put(k, String.join(", ", v)));
    String contentType =
        answer.headers().firstValue("content-type").orElse("").toLowerCase(Locale.ROOT);
    int status = answer.statusCode();
    boolean ok =
        HttpAnswers.isAnswer(
            status, redirectIsAnswer, answer.headers().firstValue("location").isPresent());
    byte[] bytes = answer.body() == null ? new byte[0] : answer.body();
    Object body =
        textBody && ok ? new String(bytes, StandardCharsets.UTF_8) : body(bytes, contentType);
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("status_code", status);
    response.put("headers", SensitiveHeaders.response(responseHeaders));
    response.put("body_size", bytes.length);
    response.put("body", body);
    return HttpAnswers.answered(
        request, index, latency, sink, reader, response, bytes, redirectIsAnswer);
  }

  /**
   * A call of a replay run: the recorded answer to the same request goes through the same reading
   * as a live one, and is recorded with the same request and response, so the replay's hashes are
   * the recorded run's. No byte goes on the network.
   */
  private <T> T replayed(
      ReplaySource source,
      Map<String, Object> request,
      int index,
      long started,
      CallSink sink,
      ResponseReader<T> reader,
      boolean redirectIsAnswer)
      throws ExternalCallException {
    CallReplayer.Answer recorded = CallReplayer.of(source).answer("http", request);
    double latency = CallAudit.millisSince(started);
    Map<String, Object> response = recorded.response();
    if (response == null || !(response.get("status_code") instanceof Number)) {
      // The recorded attempt got no answer (a timeout, a refused connection): so does this one.
      Map<String, Object> error =
          recorded.error() != null
              ? recorded.error()
              : Map.of("type", "NetworkError", "message", "no response recorded");
      CallAudit.record(sink, index, "http", CallAudit.ERROR, request, response, error, latency);
      throw ReplayedFailures.exception(error, null);
    }
    return HttpAnswers.answered(
        request,
        index,
        latency,
        sink,
        reader,
        response,
        ReplayedFailures.bytesOf(response.get("body")),
        redirectIsAnswer);
  }

  /** The body as recorded: parsed JSON, text, or base64 for binary content. */
  static @Nullable Object body(byte[] bytes, String contentType) {
    return RecordedHttpBody.body(bytes, contentType);
  }

  /** Whether a recorded body is a JSON document that failed to parse. */
  public static boolean isUnparsedJson(@Nullable Object body) {
    return RecordedHttpBody.isUnparsedJson(body);
  }

  /** A transport failure's message, any URL in it redacted (JDK messages may name the URI). */
  private String transportMessage(Exception e) {
    String m = urls.text(e.getMessage());
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private Map<String, Object> transportError(Exception e) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put(
        "type", e instanceof HttpTimeoutException ? "TimeoutError" : e.getClass().getSimpleName());
    error.put("message", transportMessage(e));
    return error;
  }

  @Override
  public void close() {
    // java.net.http.HttpClient gained close() only in Java 21; its threads are daemons.
  }
}
