package io.elspeth.testkit.otlp;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SpanCounterTest {

  /** Two resources; the first with two scopes of 3 and 0 spans, the second with one of 4. */
  private static ExportTraceServiceRequest request() {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attribute("service.name", "a")))
                .addScopeSpans(scope("one", 3))
                .addScopeSpans(scope("empty", 0))
                .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0"))
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope("two", 4)))
        .build();
  }

  private static ScopeSpans scope(String name, int spans) {
    ScopeSpans.Builder b =
        ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName(name).setVersion("1"));
    for (int i = 0; i < spans; i++) {
      b.addSpans(
          Span.newBuilder()
              .setTraceId(ByteString.copyFrom(new byte[16]))
              .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) i}))
              .setName("RowCreated")
              .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
              .setStartTimeUnixNano(1_700_000_000_000_000_000L + i)
              .setEndTimeUnixNano(1_700_000_000_000_000_000L + i)
              .addAttributes(attribute("row_id", "row-" + i))
              .addAttributes(
                  KeyValue.newBuilder()
                      .setKey("duration_ms")
                      .setValue(AnyValue.newBuilder().setDoubleValue(0.25))));
    }
    return b.build();
  }

  private static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  @Test
  void countsEverySpanOfEveryScopeOfEveryResource() throws Exception {
    assertThat(SpanCounter.count(request().toByteArray()), is(7L));
    assertThat(SpanCounter.count(new byte[0]), is(0L));
  }

  @Test
  void aTruncatedRequestIsRejected() {
    byte[] whole = request().toByteArray();
    assertThrows(
        InvalidProtocolBufferException.class,
        () -> SpanCounter.count(Arrays.copyOf(whole, whole.length - 5)));
    assertThrows(
        InvalidProtocolBufferException.class,
        () -> SpanCounter.count(new byte[] {(byte) 0x0a, (byte) 0x7f, 0x01}));
  }

  @Test
  void theCountingReceiverCountsBothTransports() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.startCounting()) {
      HttpResponse<Void> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(receiver.httpEndpoint()))
                      .header("Content-Type", "application/x-protobuf")
                      .POST(HttpRequest.BodyPublishers.ofByteArray(request().toByteArray()))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      assertThat(answer.statusCode(), is(200));
      assertThat(receiver.spanCount(), is(7L));

      URI grpc = URI.create(receiver.grpcEndpoint());
      ManagedChannel channel =
          NettyChannelBuilder.forAddress(grpc.getHost(), grpc.getPort()).usePlaintext().build();
      try {
        TraceServiceGrpc.newBlockingStub(channel).export(request());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(receiver.spanCount(), is(14L));
      assertThat(receiver.requests(), is(2));
      assertThat(receiver.spans().size(), is(0));
    }
  }
}
