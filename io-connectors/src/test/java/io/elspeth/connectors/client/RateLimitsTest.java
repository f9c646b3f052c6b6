package io.elspeth.connectors.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitsTest {
  private final FakeClock clock = new FakeClock();
  private final String runId = "rate-test-" + System.nanoTime();

  private static Map<String, Object> section(long azureRpm) {
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("default_requests_per_minute", 600L);
    section.put("services", Map.of("azure_openai", Map.of("requests_per_minute", azureRpm)));
    return section;
  }

  /** A copy as Beam makes one for each DoFn instance: serialised and read back. */
  private static RateLimits copy(RateLimits limits) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(limits);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (RateLimits) in.readObject();
    }
  }

  @Test
  void requestsAreSpacedEvenlyAtTheServicesRate() throws Exception {
    RateLimits limits = RateLimits.from(section(120), runId);
    for (int i = 0; i < 4; i++) {
      limits.acquire("azure_openai", clock);
    }
    assertThat(
        clock.sleeps(),
        contains(Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(500)));
  }

  @Test
  void theLimitIsSharedByEveryInstanceOfTheRunInTheJvm() throws Exception {
    RateLimits settings = RateLimits.from(section(60), runId);
    RateLimits first = copy(settings);
    RateLimits second = copy(settings);
    first.acquire("azure_openai", clock);
    second.acquire("azure_openai", clock);
    first.acquire("azure_openai", clock);
    second.acquire("azure_openai", clock);
    assertThat(
        "60 per minute across both instances, not each",
        clock.sleeps(),
        contains(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)));
  }

  @Test
  void aWaitingInstanceDoesNotLetAnotherJumpTheQueue() throws Exception {
    RateLimits a = copy(RateLimits.from(section(60), runId));
    RateLimits b = copy(RateLimits.from(section(60), runId));
    a.acquire("azure_openai", clock);
    // b reserves the next slot before time moves: its wait covers a whole interval.
    FakeClock other = new FakeClock();
    b.acquire("azure_openai", other);
    assertThat(other.sleeps(), contains(Duration.ofSeconds(1)));
  }

  @Test
  void servicesAndRunsHaveTheirOwnLimiters() throws Exception {
    RateLimits limits = RateLimits.from(section(1), runId);
    limits.acquire("azure_openai", clock);
    limits.acquire("openrouter", clock);
    RateLimits.from(section(1), runId + "-other").acquire("azure_openai", clock);
    assertThat("first requests of a service and of a run never wait", clock.sleeps(), is(empty()));
    limits.acquire("openrouter", clock);
    assertThat(
        "unnamed services get default_requests_per_minute (600: 100 ms)",
        clock.sleeps(),
        contains(Duration.ofMillis(100)));
  }

  @Test
  void disabledOrAbsentLimitsNeverWait() throws Exception {
    Map<String, Object> off = section(1);
    off.put("enabled", false);
    RateLimits disabled = RateLimits.from(off, runId);
    for (int i = 0; i < 3; i++) {
      disabled.acquire("azure_openai", clock);
      RateLimits.none().acquire("azure_openai", clock);
    }
    assertThat(clock.sleeps(), is(empty()));
  }

  @Test
  void badServiceEntriesAreReportedWithTheirKeyPath() {
    List<String> problems =
        RateLimits.validateServices(
            Map.of(
                "azure_openai", Map.of("requests_per_minute", 0L),
                "openrouter", Map.of("requests_per_minute", "fast")));
    assertThat(problems.size(), is(2));
    assertThat(
        problems,
        hasItem(
            "rate_limit.services.azure_openai: expected"
                + " {requests_per_minute: an integer of 1 or more}"));
  }
}
