package io.elspeth.testkit.otlp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP trace receiver on loopback for tests: HTTP/protobuf ({@code POST /v1/traces}) and gRPC
 * ({@code TraceService/Export}), decoding the real OTLP protobuf messages. Received spans are kept
 * in arrival order, with their resource and request headers. {@link #failWith} makes both
 * transports reject requests (HTTP 503 / gRPC UNAVAILABLE) to exercise exporter failures.
 *
 * <pre>{@code try (OtlpReceiver r = OtlpReceiver.start()) { ... r.httpEndpoint() ... r.spans() }}
 * </pre>
 */
public final class OtlpReceiver implements AutoCloseable {
  static {
    // The JDK server delays each keep-alive response by ~40 ms (Nagle against delayed ACKs)
    // unless told otherwise; a receiver that slow would throttle the exporter it measures.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer http;
  private final Server grpc;
  private final List<ReceivedSpan> spans = new ArrayList<>();
  private final List<Map<String, List<String>>> httpHeaders = new ArrayList<>();
  private final java.util.concurrent.ExecutorService httpWorkers;
  private final boolean retain;
  private volatile int failStatus;
  private int requests;
  private long counted;

  private OtlpReceiver(boolean retain) throws IOException {
    this.retain = retain;
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/v1/traces", this::handleHttp);
    httpWorkers =
        java.util.concurrent.Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "otlp-receiver-http");
              t.setDaemon(true);
              return t;
            });
    http.setExecutor(httpWorkers);
    http.start();
    grpc =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(retain ? decodingService().bindService() : countingService())
            // Requests are handled on the transport's own thread: a hand-off to an executor per
            // request cost the receiver about a fifth of its CPU, and its work is short.
            .directExecutor()
            .build()
            .start();
  }

  /** TraceService/Export decoding each request into the OTLP message classes. */
  private io.grpc.BindableService decodingService() {
    return new TraceServiceGrpc.TraceServiceImplBase() {
      @Override
      public void export(
          ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
        if (failStatus != 0) {
          response.onError(
              Status.UNAVAILABLE.withDescription("receiver told to fail").asRuntimeException());
          return;
        }
        record(request, "grpc");
        response.onNext(ExportTraceServiceResponse.getDefaultInstance());
        response.onCompleted();
      }
    };
  }

  /**
   * TraceService/Export taking each request as its bytes and counting its spans with {@link
   * SpanCounter}; the answer is the empty ExportTraceServiceResponse.
   */
  private ServerServiceDefinition countingService() {
    MethodDescriptor.Marshaller<byte[]> bytes =
        new MethodDescriptor.Marshaller<>() {
          @Override
          public InputStream stream(byte[] value) {
            return new java.io.ByteArrayInputStream(value);
          }

          @Override
          public byte[] parse(InputStream stream) {
            try {
              return stream.readAllBytes();
            } catch (IOException e) {
              throw Status.INTERNAL
                  .withDescription("cannot read the request")
                  .withCause(e)
                  .asRuntimeException();
            }
          }
        };
    MethodDescriptor<byte[], byte[]> export =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(TraceServiceGrpc.getExportMethod().getFullMethodName())
            .setRequestMarshaller(bytes)
            .setResponseMarshaller(bytes)
            .build();
    return ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
        .addMethod(
            export,
            ServerCalls.asyncUnaryCall(
                (request, response) -> {
                  if (failStatus != 0) {
                    response.onError(
                        Status.UNAVAILABLE
                            .withDescription("receiver told to fail")
                            .asRuntimeException());
                    return;
                  }
                  long spans;
                  try {
                    spans = SpanCounter.count(request);
                  } catch (IOException e) {
                    response.onError(
                        Status.INVALID_ARGUMENT
                            .withDescription(e.getMessage())
                            .asRuntimeException());
                    return;
                  }
                  synchronized (this) {
                    requests++;
                    counted += spans;
                  }
                  response.onNext(new byte[0]);
                  response.onCompleted();
                }))
        .build();
  }

  /** Starts both transports on free loopback ports. */
  public static OtlpReceiver start() {
    return start(true);
  }

  /**
   * Starts a receiver that keeps only the count of spans: it walks every request's wire format
   * ({@link SpanCounter}) instead of building the messages.
   */
  public static OtlpReceiver startCounting() {
    return start(false);
  }

  private static OtlpReceiver start(boolean retain) {
    try {
      return new OtlpReceiver(retain);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the OTLP receiver on loopback", e);
    }
  }

  /**
   * Runs a counting receiver as a process of its own, as a collector runs beside a pipeline: it
   * prints {@code endpoints <http/protobuf URL> <gRPC URL>} on standard output, answers each {@code
   * count} line read on standard input with {@code <spans> <requests>} decoded so far, and ends
   * when its input ends. The benchmark harness runs it so that decoding does not share the measured
   * JVM.
   */
  public static void main(String[] args) throws IOException {
    try (OtlpReceiver receiver = startCounting();
        java.io.BufferedReader in =
            new java.io.BufferedReader(
                new java.io.InputStreamReader(
                    System.in, java.nio.charset.StandardCharsets.UTF_8))) {
      System.out.println("endpoints " + receiver.httpEndpoint() + " " + receiver.grpcEndpoint());
      System.out.flush();
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.strip().equals("count")) {
          System.out.println(receiver.spanCount() + " " + receiver.requests());
          System.out.flush();
        }
      }
    }
  }

  /** Spans decoded so far (kept or only counted). */
  public synchronized long spanCount() {
    return counted;
  }

  /** The HTTP/protobuf traces URL, {@code http://127.0.0.1:PORT/v1/traces}. */
  public String httpEndpoint() {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1/traces";
  }

  /** The gRPC endpoint, {@code http://127.0.0.1:PORT}. */
  public String grpcEndpoint() {
    return "http://127.0.0.1:" + grpc.getPort();
  }

  /** From now on reject every request (HTTP {@code status}, gRPC UNAVAILABLE); 0 accepts again. */
  public void failWith(int status) {
    failStatus = status;
  }

  /** Spans received so far, in arrival order. */
  public synchronized List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  /** Headers of each accepted HTTP request, in arrival order (names lower-case). */
  public synchronized List<Map<String, List<String>>> httpHeaders() {
    return List.copyOf(httpHeaders);
  }

  /** Requests answered, accepted or rejected. */
  public synchronized int requests() {
    return requests;
  }

  private void handleHttp(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in =
          "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
              ? new GZIPInputStream(exchange.getRequestBody())
              : exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      synchronized (this) {
        requests++;
      }
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      if (failStatus != 0) {
        exchange.sendResponseHeaders(failStatus, -1);
        return;
      }
      if (!retain) {
        long spans = SpanCounter.count(body);
        synchronized (this) {
          counted += spans;
        }
        respondOk(exchange);
        return;
      }
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
      Map<String, List<String>> headers = new java.util.TreeMap<>();
      exchange
          .getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), List.copyOf(v)));
      synchronized (this) {
        httpHeaders.add(headers);
      }
      record(request, "http");
      respondOk(exchange);
    }
  }

  /** The empty ExportTraceServiceResponse as HTTP 200. */
  private static void respondOk(HttpExchange exchange) throws IOException {
    byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
    exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
    exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
    if (answer.length > 0) {
      exchange.getResponseBody().write(answer);
    }
  }

  /** Decodes the request's spans outside the lock, then appends them in one step. */
  private void record(ExportTraceServiceRequest request, String transport) {
    List<ReceivedSpan> decoded = new ArrayList<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      Map<String, Object> resource = ReceivedSpan.attributes(rs.getResource().getAttributesList());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          decoded.add(ReceivedSpan.of(s, resource, ss.getScope().getName(), transport));
        }
      }
    }
    synchronized (this) {
      if (transport.equals("grpc")) {
        requests++;
      }
      counted += decoded.size();
      spans.addAll(decoded);
    }
  }

  @Override
  public void close() {
    http.stop(0);
    httpWorkers.shutdownNow();
    grpc.shutdownNow();
    try {
      grpc.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
