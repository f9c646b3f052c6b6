package io.elspeth.telemetry.exporter.otlp;

import io.elspeth.telemetry.exporter.ExportResult;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.Compressor;
import io.opentelemetry.sdk.common.export.GrpcResponse;
import io.opentelemetry.sdk.common.export.GrpcSender;
import io.opentelemetry.sdk.common.export.GrpcSenderConfig;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.common.export.HttpResponse;
import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.common.export.ProxyOptions;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Sends encoded OTLP trace requests ({@link io.elspeth.telemetry.span.OtlpTraceEncoder}) through
 * the OpenTelemetry SDK's own senders, found as the SDK's exporters find them: OkHttp's for gRPC
 * (which adds the gRPC message framing), the JDK client's for http/protobuf ({@link
 * OtlpExporter#JDK_HTTP_SENDER}). No retries: the manager counts each failed batch, and retries
 * with backoff would stall the export thread behind a dead backend. An answer is a success only
 * when the backend accepted every span: a gRPC status other than OK, an HTTP status outside 2xx, or
 * a response that reports rejected spans (OTLP partial success) is a failure, described without the
 * request's headers.
 */
final class OtlpTransport {
  static final String TRACE_EXPORT_METHOD =
      "opentelemetry.proto.collector.trace.v1.TraceService/Export";
  private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private final @Nullable GrpcSender grpc;
  private final @Nullable HttpSender http;
  private final ExecutorService executor;

  private OtlpTransport(
      @Nullable GrpcSender grpc, @Nullable HttpSender http, ExecutorService executor) {
    this.grpc = grpc;
    this.http = http;
    this.executor = executor;
  }

  /**
   * A transport for {@code protocol} ({@code grpc}: {@code endpoint} is the collector's base URL;
   * {@code http/protobuf}: the full URL of {@code /v1/traces}), sending {@code headers} with every
   * request. Its requests run on {@code executor}, which {@link #close} shuts down.
   */
  static OtlpTransport create(
      String protocol,
      String endpoint,
      Map<String, String> headers,
      Duration timeout,
      ExecutorService executor) {
    Map<String, List<String>> lists = new LinkedHashMap<>();
    headers.forEach((k, v) -> lists.put(k, List.of(v)));
    Supplier<Map<String, List<String>>> headerSupplier = () -> lists;
    Duration connect = timeout.compareTo(MAX_CONNECT_TIMEOUT) < 0 ? timeout : MAX_CONNECT_TIMEOUT;
    SenderConfig config =
        new SenderConfig(URI.create(endpoint), timeout, connect, headerSupplier, executor);
    if (protocol.equals("grpc")) {
      return new OtlpTransport(
          first(OtlpExporter.JDK_HTTP_SENDER.load(GrpcSenderProvider.class), "gRPC")
              .createSender(config),
          null,
          executor);
    }
    return new OtlpTransport(
        null,
        first(OtlpExporter.JDK_HTTP_SENDER.load(HttpSenderProvider.class), "HTTP")
            .createSender(config),
        executor);
  }

  private static <T> T first(Iterable<T> providers, String what) {
    Iterator<T> it = providers.iterator();
    if (!it.hasNext()) {
      throw new IllegalStateException("no OpenTelemetry " + what + " sender on the class path");
    }
    return it.next();
  }

  /** Sends one request; the future completes with the backend's answer, never exceptionally. */
  CompletableFuture<ExportResult> send(byte[] request) {
    CompletableFuture<ExportResult> outcome = new CompletableFuture<>();
    MessageWriter body =
        new MessageWriter() {
          @Override
          public void writeMessage(OutputStream out) throws IOException {
            out.write(request);
          }

          @Override
          public int getContentLength() {
            return request.length;
          }
        };
    try {
      if (grpc != null) {
        grpc.send(
            body,
            response -> outcome.complete(result(response)),
            t -> outcome.complete(ExportResult.failure(t)));
      } else {
        // Exactly one of the two senders is set (see the factory).
        Objects.requireNonNull(http, "http")
            .send(
                body,
                response -> outcome.complete(result(response)),
                t -> outcome.complete(ExportResult.failure(t)));
      }
    } catch (RuntimeException e) {
      outcome.complete(ExportResult.failure(e));
    }
    return outcome;
  }

  static ExportResult result(GrpcResponse response) {
    if (response.getStatusCode() != GrpcStatusCode.OK) {
      String description = response.getStatusDescription();
      return ExportResult.failure(
          "gRPC status "
              + response.getStatusCode()
              + (description == null || description.isEmpty() ? "" : ": " + description));
    }
    return partialSuccess(response.getResponseMessage());
  }

  static ExportResult result(HttpResponse response) {
    int status = response.getStatusCode();
    if (status < 200 || status > 299) {
      String message = response.getStatusMessage();
      // The JDK client's status message is the code again.
      boolean says =
          message != null && !message.isEmpty() && !message.equals(String.valueOf(status));
      return ExportResult.failure("HTTP " + status + (says ? " " + message : ""));
    }
    return partialSuccess(response.getResponseBody());
  }

  /**
   * The outcome an accepted {@code ExportTraceServiceResponse} says: a failure when its {@code
   * partial_success} (field 1) counts rejected spans (its field 1), with the backend's {@code
   * error_message} (its field 2).
   */
  static ExportResult partialSuccess(byte @Nullable [] response) {
    if (response == null || response.length == 0) {
      return ExportResult.SUCCESS;
    }
    try {
      ProtoReader outer = new ProtoReader(response, 0, response.length);
      while (outer.next()) {
        if (outer.field == 1 && outer.wireType == 2) {
          ProtoReader partial = new ProtoReader(response, outer.start, outer.end);
          long rejected = 0;
          String message = "";
          while (partial.next()) {
            if (partial.field == 1 && partial.wireType == 0) {
              rejected = partial.varint;
            } else if (partial.field == 2 && partial.wireType == 2) {
              message =
                  new String(
                      response,
                      partial.start,
                      partial.end - partial.start,
                      java.nio.charset.StandardCharsets.UTF_8);
            }
          }
          if (rejected > 0) {
            return ExportResult.failure(
                "the backend rejected "
                    + rejected
                    + " span(s)"
                    + (message.isEmpty() ? "" : ": " + message));
          }
        }
      }
    } catch (IllegalArgumentException e) {
      return ExportResult.failure(
          "the backend's answer is not an OTLP trace response: " + e.getMessage());
    }
    return ExportResult.SUCCESS;
  }

  /** Reads the fields of one protobuf message in {@code [from, to)}: enough for a response. */
  private static final class ProtoReader {
    private final byte[] b;
    private int pos;
    private final int to;
    int field;
    int wireType;
    long varint;
    int start;
    int end;

    ProtoReader(byte[] b, int from, int to) {
      this.b = b;
      this.pos = from;
      this.to = to;
    }

    boolean next() {
      if (pos >= to) {
        return false;
      }
      long tag = readVarint();
      field = (int) (tag >>> 3);
      wireType = (int) (tag & 7);
      switch (wireType) {
        case 0 -> varint = readVarint();
        case 1 -> skip(8);
        case 5 -> skip(4);
        case 2 -> {
          long length = readVarint();
          if (length < 0 || length > to - pos) {
            throw new IllegalArgumentException("a field runs past the message's end");
          }
          start = pos;
          end = pos + (int) length;
          pos = end;
        }
        default -> throw new IllegalArgumentException("wire type " + wireType);
      }
      return true;
    }

    private void skip(int n) {
      if (n > to - pos) {
        throw new IllegalArgumentException("a field runs past the message's end");
      }
      pos += n;
    }

    private long readVarint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= to) {
          throw new IllegalArgumentException("a number runs past the message's end");
        }
        byte x = b[pos++];
        v |= (long) (x & 0x7F) << shift;
        if (x >= 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("a number longer than 10 bytes");
    }
  }

  /** Ends the sender, then its executor, waiting at most {@code timeout}. */
  void close(Duration timeout) {
    CompletableResultCode done =
        grpc != null ? grpc.shutdown() : Objects.requireNonNull(http, "http").shutdown();
    done.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
    executor.shutdown();
  }

  /** What both senders are built from (one record: their settings are the same but two). */
  private record SenderConfig(
      URI getEndpoint,
      Duration getTimeout,
      Duration getConnectTimeout,
      Supplier<Map<String, List<String>>> getHeadersSupplier,
      ExecutorService getExecutorService)
      implements GrpcSenderConfig, HttpSenderConfig {
    @Override
    public String getFullMethodName() {
      return TRACE_EXPORT_METHOD;
    }

    @Override
    public String getContentType() {
      return "application/x-protobuf";
    }

    @Override
    public @Nullable Compressor getCompressor() {
      return null;
    }

    @Override
    public @Nullable ProxyOptions getProxyOptions() {
      return null;
    }

    @Override
    public @Nullable RetryPolicy getRetryPolicy() {
      return null;
    }

    @Override
    public @Nullable SSLContext getSslContext() {
      return null;
    }

    @Override
    public @Nullable X509TrustManager getTrustManager() {
      return null;
    }

    @Override
    public long getMaxResponseBodySize() {
      return GrpcSenderConfig.super.getMaxResponseBodySize();
    }

    @Override
    public @Nullable List<String> getEnabledProtocols() {
      return GrpcSenderConfig.super.getEnabledProtocols();
    }
  }
}
