package io.elspeth.connectors.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.record.CallRecord;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.chaosllm.FaultKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link CallRetrier} making real HTTP calls through the {@link AuditedHttpClient} to the fake
 * server, with a {@link FakeClock}: every wait (back-off, AIMD delay, Retry-After, rate limit) is
 * read from the clock instead of timed, so the sequences are exact.
 */
class CallRetrierTest {
  private static ChaosLlmServer server;
  private static AuditedHttpClient http;

  private final FakeClock clock = new FakeClock();
  private final RecordingCallSink sink = new RecordingCallSink();

  @BeforeAll
  static void start() {
    server = ChaosLlmServer.start(success());
    http = AuditedHttpClient.create(Duration.ofSeconds(5));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void healthy() {
    server.reconfigure(success());
    server.reset();
  }

  private static ChaosConfig success() {
    return ChaosConfig.builder().responseMode(ChaosConfig.ResponseMode.ECHO).build();
  }

  /** The server answering every request with {@code kind}, Retry-After {@code retryAfter} s. */
  private static void always(FaultKind kind, int retryAfter) {
    server.reconfigure(
        ChaosConfig.builder()
            .responseMode(ChaosConfig.ResponseMode.ECHO)
            .fault(kind, 100)
            .retryAfterSec(retryAfter, retryAfter)
            .build());
  }

  /** One audited chat completion request: the attempt the retrier repeats. */
  private Object chat() throws ExternalCallException {
    return http.post(
            server.httpUrl() + "/v1/chat/completions",
            Map.of("Authorization", "Bearer test-key", "Content-Type", "application/json"),
            Map.of("model", "m", "messages", List.of(Map.of("role", "user", "content", "hi"))),
            Duration.ofSeconds(5),
            sink)
        .body();
  }

  private static PoolSettings pool(long maxCapacityRetrySeconds) {
    return new PoolSettings(1, 0, 5000, 2.0, 50, maxCapacityRetrySeconds);
  }

  private CallRetrier retrier(RetryPolicy retry, PoolSettings pool) {
    return new CallRetrier(new ClientSettings(retry, RateLimits.none()), pool, "test", clock);
  }

  private List<Integer> callIndexes() {
    return sink.calls().stream().map(CallRecord::callIndex).toList();
  }

  @Test
  void serverErrorsAreRetriedUpToMaxAttemptsWithExponentialBackoffUpToItsCap() {
    always(FaultKind.INTERNAL_ERROR, 0);
    CallRetrier retrier = retrier(new RetryPolicy(4, 0.5, 1.5, 2.0), pool(3600));
    ExternalCallException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExternalCallException.class, () -> retrier.call(this::chat));
    assertThat(e.attempts(), is(4));
    assertThat(e.kind(), is(ExternalCallException.Kind.SERVER));
    assertThat(
        clock.sleeps(),
        contains(Duration.ofMillis(500), Duration.ofMillis(1000), Duration.ofMillis(1500)));
    assertThat(
        "each attempt is its own call record, indexed in order",
        callIndexes(),
        contains(0, 1, 2, 3));
    assertThat(
        sink.calls().stream().map(CallRecord::status).toList(),
        everyItem(equalTo(CallAudit.ERROR)));
    assertThat(server.stats().totalRequests(), is(4L));
  }

  @Test
  void aCallThatRecoversReturnsTheAnswerAfterItsFailedAttemptsAreRecorded() throws Exception {
    always(FaultKind.BAD_GATEWAY, 0);
    AtomicInteger attempts = new AtomicInteger();
    CallRetrier retrier = retrier(new RetryPolicy(3, 1.0, 60, 2.0), pool(3600));
    Object answer =
        retrier.call(
            () -> {
              if (attempts.incrementAndGet() == 3) {
                server.reconfigure(success());
              }
              return chat();
            });
    assertThat(answer instanceof Map<?, ?> m && m.containsKey("choices"), is(true));
    assertThat(callIndexes(), contains(0, 1, 2));
    assertThat(
        sink.calls().stream().map(CallRecord::status).toList(),
        contains(CallAudit.ERROR, CallAudit.ERROR, CallAudit.SUCCESS));
    assertThat(clock.sleeps(), contains(Duration.ofSeconds(1), Duration.ofSeconds(2)));
  }

  @ParameterizedTest(name = "{0} is tried {1} time(s)")
  @CsvSource({
    "INTERNAL_ERROR, 3",
    "BAD_GATEWAY, 3",
    "GATEWAY_TIMEOUT, 3",
    "FORBIDDEN, 1",
    "NOT_FOUND, 1"
  })
  void onlyRetryableStatusesAreRetried(FaultKind kind, int attempts) {
    always(kind, 0);
    CallRetrier retrier = retrier(new RetryPolicy(3, 0.01, 0.01, 1.0), pool(3600));
    ExternalCallException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExternalCallException.class, () -> retrier.call(this::chat));
    assertThat(e.attempts(), is(attempts));
    assertThat(e.statusCode(), is(kind.status()));
    assertThat(sink.calls(), hasSize(attempts));
  }

  @ParameterizedTest(name = "HTTP {0}: retryable {1}, capacity {2}")
  @CsvSource({
    "429, true, true",
    "503, true, true",
    "529, true, true",
    "500, true, false",
    "502, true, false",
    "504, true, false",
    "408, true, false",
    "400, false, false",
    "401, false, false",
    "403, false, false",
    "404, false, false",
    "422, false, false"
  })
  void statusesAreClassifiedAsElspethDoes(int status, boolean retryable, boolean capacity) {
    ExternalCallException e =
        new ExternalCallException(
            ExternalCallException.forStatus(status), "HTTP " + status, status);
    assertThat(e.retryable(), is(retryable));
    assertThat(e.capacity(), is(capacity));
  }

  @Test
  void theRetryAfterOfA429IsWaitedOutBeforeTheNextAttempt() throws Exception {
    always(FaultKind.RATE_LIMIT, 3);
    AtomicInteger attempts = new AtomicInteger();
    List<Long> startedAt = new java.util.ArrayList<>();
    CallRetrier retrier = retrier(RetryPolicy.defaults(), pool(3600));
    retrier.call(
        () -> {
          startedAt.add(clock.nanoTime());
          if (attempts.incrementAndGet() == 3) {
            server.reconfigure(success());
          }
          return chat();
        });
    assertThat(callIndexes(), contains(0, 1, 2));
    // The AIMD delay (50 ms, then 100 ms) counts towards the 3 s the server asked for.
    assertThat(startedAt.get(1) - startedAt.get(0), is(Duration.ofSeconds(3).toNanos()));
    assertThat(startedAt.get(2) - startedAt.get(1), is(Duration.ofSeconds(3).toNanos()));
    assertThat(
        clock.sleeps(),
        contains(
            Duration.ofMillis(50),
            Duration.ofMillis(2950),
            Duration.ofMillis(100),
            Duration.ofMillis(2900)));
  }

  @Test
  void aRetryAfterLongerThanTheBackoffIsHonouredForServerErrorsToo() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    CallRetrier retrier = retrier(new RetryPolicy(3, 1.0, 60, 2.0), pool(3600));
    String answer =
        retrier.call(
            () -> {
              if (attempts.incrementAndGet() == 1) {
                throw new ExternalCallException(ExternalCallException.Kind.SERVER, "HTTP 500", 500)
                    .withRetryAfter(Duration.ofSeconds(5));
              }
              return "ok";
            });
    assertThat(answer, is("ok"));
    assertThat(clock.slept(), is(Duration.ofSeconds(5)));
  }

  @Test
  void capacityErrorsRetryUntilTheirBudgetWhateverMaxAttemptsSays() {
    always(FaultKind.RATE_LIMIT, 0);
    CallRetrier retrier = retrier(new RetryPolicy(2, 1.0, 60, 2.0), pool(1));
    ExternalCallException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExternalCallException.class, () -> retrier.call(this::chat));
    // AIMD waits 50, 100, 200, 400, 800 ms: the sixth failure comes 1.55 s in, past the 1 s.
    assertThat(
        clock.sleeps(),
        contains(
            Duration.ofMillis(50),
            Duration.ofMillis(100),
            Duration.ofMillis(200),
            Duration.ofMillis(400),
            Duration.ofMillis(800)));
    assertThat(e.attempts(), is(6));
    assertThat(e.capacity(), is(true));
    assertThat(callIndexes(), contains(0, 1, 2, 3, 4, 5));
  }

  @Test
  void aRetryAfterBeyondTheCapacityBudgetEndsTheCallAtOnce() {
    always(FaultKind.RATE_LIMIT, 30);
    CallRetrier retrier = retrier(RetryPolicy.defaults(), pool(10));
    ExternalCallException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExternalCallException.class, () -> retrier.call(this::chat));
    assertThat(e.attempts(), is(1));
    assertThat(e.retryAfter(), is(Duration.ofSeconds(30)));
    assertThat(clock.sleeps(), is(empty()));
  }

  @Test
  void aimdBacksOffOn429AndRecoversOnSuccess() throws Exception {
    always(FaultKind.RATE_LIMIT, 0);
    AtomicInteger attempts = new AtomicInteger();
    CallRetrier retrier = retrier(RetryPolicy.defaults(), pool(3600));
    retrier.call(
        () -> {
          if (attempts.incrementAndGet() == 4) {
            server.reconfigure(success());
          }
          return chat();
        });
    // Three 429s: 50, 100, 200 ms; the success takes one 50 ms step off.
    assertThat(retrier.aimd().currentDelayMs(), is(150L));
    retrier.call(this::chat);
    retrier.call(this::chat);
    retrier.call(this::chat);
    assertThat(retrier.aimd().currentDelayMs(), is(0L));
    assertThat(
        clock.sleeps(),
        contains(
            Duration.ofMillis(50),
            Duration.ofMillis(100),
            Duration.ofMillis(200),
            Duration.ofMillis(150),
            Duration.ofMillis(100),
            Duration.ofMillis(50)));
  }

  @Test
  void everyDispatchWaitsForTheSharedRateLimit() throws Exception {
    RateLimits limits =
        new RateLimits(true, 6000, Map.of("test", 30L), "retrier-run-" + System.nanoTime());
    CallRetrier retrier =
        new CallRetrier(
            new ClientSettings(RetryPolicy.defaults(), limits), pool(3600), "test", clock);
    retrier.call(this::chat);
    retrier.call(this::chat);
    retrier.call(this::chat);
    assertThat(
        "30 per minute: one every 2 s",
        clock.sleeps(),
        contains(Duration.ofSeconds(2), Duration.ofSeconds(2)));
  }
}
