package io.elspeth.connectors.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void backoffGrowsByTheBaseFromTheInitialDelayAndStopsAtTheCap() {
    RetryPolicy p = new RetryPolicy(6, 0.5, 3.0, 2.0);
    assertThat(
        IntStream.rangeClosed(1, 5).mapToObj(p::backoff).toList(),
        is(
            List.of(
                Duration.ofMillis(500),
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(3),
                Duration.ofSeconds(3))));
  }

  @Test
  void aBaseOfThreeTriplesEachWait() {
    RetryPolicy p = new RetryPolicy(4, 1.0, 60.0, 3.0);
    assertThat(
        List.of(p.backoff(1), p.backoff(2), p.backoff(3)),
        is(List.of(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(9))));
  }

  @Test
  void defaultsAreElspethsThreeAttemptsFromOneSecondDoublingToSixty() {
    assertThat(RetryPolicy.defaults(), is(new RetryPolicy(3, 1.0, 60.0, 2.0)));
    assertThat(RetryPolicy.defaults().backoff(10), is(Duration.ofSeconds(60)));
  }

  @Test
  void theSettingsSectionOverridesWhatItNamesAndDefaultsTheRest() {
    RetryPolicy p = RetryPolicy.from(Map.of("max_attempts", 5L, "max_delay_seconds", 10.0));
    assertThat(p, is(new RetryPolicy(5, 1.0, 10.0, 2.0)));
    assertThat(RetryPolicy.from(null), is(RetryPolicy.defaults()));
  }

  @Test
  void fewerThanOneAttemptIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, 1, 1, 2));
    assertThat(e.getMessage(), containsString("retry.max_attempts"));
  }

  @Test
  void retryAfterReadsSecondsDecimalsAndHttpDates() {
    Instant now = Instant.parse("2026-12-01T10:00:00Z");
    assertThat(RetryPolicy.parseRetryAfter("7", now), is(Duration.ofSeconds(7)));
    assertThat(RetryPolicy.parseRetryAfter(" 0.25 ", now), is(Duration.ofMillis(250)));
    assertThat(
        RetryPolicy.parseRetryAfter("Tue, 01 Dec 2026 10:00:42 GMT", now),
        is(Duration.ofSeconds(42)));
    assertThat(
        "a date already past means now",
        RetryPolicy.parseRetryAfter("Tue, 01 Dec 2026 09:00:00 GMT", now),
        is(Duration.ZERO));
    assertThat(RetryPolicy.parseRetryAfter("-3", now), is(Duration.ZERO));
    assertThat(RetryPolicy.parseRetryAfter("soon", now), is(nullValue()));
    assertThat(RetryPolicy.parseRetryAfter(null, now), is(nullValue()));
  }

  @Test
  void retryAfterMsWinsOverRetryAfterWhenReadable() {
    Instant now = Instant.now();
    assertThat(RetryPolicy.retryAfter("1500", "2", now), is(Duration.ofMillis(1500)));
    assertThat(RetryPolicy.retryAfter("garbled", "2", now), is(Duration.ofSeconds(2)));
    assertThat(RetryPolicy.retryAfter(null, null, now), is(nullValue()));
  }
}
