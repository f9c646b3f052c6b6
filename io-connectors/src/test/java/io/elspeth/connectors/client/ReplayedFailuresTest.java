package io.elspeth.connectors.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayedFailuresTest {
  @Test
  void aRecordedErrorBecomesTheFailureTheCallerSaw() {
    for (ExternalCallException.Kind kind : ExternalCallException.Kind.values()) {
      Integer status =
          switch (kind) {
            case RATE_LIMIT -> 429;
            case SERVICE_UNAVAILABLE -> 503;
            case SERVER -> 500;
            default -> null;
          };
      ExternalCallException live = new ExternalCallException(kind, "boom", status);
      ExternalCallException replayed = ReplayedFailures.exception(live.toError(), null);
      assertThat(kind.name(), replayed.kind(), is(kind));
      assertThat(replayed.retryable(), is(live.retryable()));
      assertThat(replayed.toError(), equalTo(live.toError()));
    }
  }

  @Test
  void transportFailuresAreRetryableUnlessTheRequestWasRefusedLocally() {
    assertThat(
        ReplayedFailures.exception(Map.of("type", "ConnectException", "message", "m"), null).kind(),
        is(ExternalCallException.Kind.NETWORK));
    assertThat(
        ReplayedFailures.exception(Map.of("type", "TimeoutError", "message", "m"), null).kind(),
        is(ExternalCallException.Kind.NETWORK));
    assertThat(
        ReplayedFailures.exception(Map.of("type", "IllegalArgumentException", "message", "m"), null)
            .kind(),
        is(ExternalCallException.Kind.CLIENT));
    assertThat(
        ReplayedFailures.exception(
                Map.of("type", "HTTPError", "message", "HTTP 404", "status_code", 404), null)
            .kind(),
        is(ExternalCallException.forStatus(404)));
  }

  @Test
  void recordedBodiesGiveBackTheirBytes() {
    assertThat(new String(ReplayedFailures.bytesOf("a\nb"), StandardCharsets.UTF_8), is("a\nb"));
    assertThat(
        ReplayedFailures.bytesOf(
            Map.of("_binary", Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}))),
        equalTo(new byte[] {1, 2, 3}));
    assertThat(
        new String(
            ReplayedFailures.bytesOf(
                Map.of("_json_parse_failed", true, "_error", "E", "_raw_text", "{bad")),
            StandardCharsets.UTF_8),
        is("{bad"));
    assertThat(
        new String(ReplayedFailures.bytesOf(Map.of("ok", 1)), StandardCharsets.UTF_8),
        is("{\"ok\":1}"));
    assertThat(ReplayedFailures.bytesOf(null).length, is(0));
  }
}
