package io.elspeth.telemetry.manager;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.telemetry.config.BackpressureMode;
import io.elspeth.telemetry.config.Granularity;
import io.elspeth.telemetry.event.HealthEvent;
import io.elspeth.telemetry.event.TelemetryEvent;
import io.elspeth.telemetry.exporter.ExportResult;
import io.elspeth.telemetry.health.LastResortChannel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TelemetryManagerTest {
  private static final Duration LONG = Duration.ofSeconds(20);
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private final LastResortChannel channel =
      new LastResortChannel(new PrintStream(stderr, true, StandardCharsets.UTF_8), null);

  private static TelemetryEvent row(int i) {
    return new TelemetryEvent.RowCreated(Instant.now(), "run-1", "row-" + i, "tok-" + i, "h" + i);
  }

  private static List<String> rowIds(List<TelemetryEvent> events) {
    List<String> ids = new ArrayList<>();
    for (TelemetryEvent e : events) {
      if (e instanceof TelemetryEvent.RowCreated r) {
        ids.add(r.rowId());
      }
    }
    return ids;
  }

  private TelemetryManager.Builder builder(RecordingExporter... exporters) {
    TelemetryManager.Builder b =
        TelemetryManager.builder("run-1").granularity(Granularity.FULL).lastResort(channel);
    for (RecordingExporter e : exporters) {
      b.exporter(e);
    }
    return b;
  }

  private String health() {
    return stderr.toString(StandardCharsets.UTF_8);
  }

  @Test
  void deliversEventsInFifoOrderToEveryExporter() {
    RecordingExporter a = new RecordingExporter("a");
    RecordingExporter b = new RecordingExporter("b");
    TelemetryManager m = builder(a, b).maxBatch(7).build();
    for (int i = 0; i < 500; i++) {
      m.handleEvent(row(i));
    }
    assertThat(m.flush(LONG), is(true));
    m.close();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      expected.add("row-" + i);
    }
    assertThat(rowIds(a.received()), equalTo(expected));
    assertThat(rowIds(b.received()), equalTo(expected));
    assertThat(m.health().eventsEmitted(), is(greaterOrEqual(500)));
    assertThat(m.health().eventsDropped(), is(0L));
  }

  @Test
  void aHandedOverListIsQueuedInOrderFilteredAndExportedInFullBatches() {
    RecordingExporter a = new RecordingExporter("a");
    TelemetryManager m = builder(a).granularity(Granularity.ROWS).maxBatch(50).build();
    List<TelemetryEvent> events = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      events.add(row(i));
      if (i % 40 == 0) { // full-only: filtered out of the hand-over, not counted
        events.add(
            new TelemetryEvent.ExternalCallCompleted(
                Instant.now(),
                "run-1",
                TelemetryEvent.CallType.HTTP,
                "p",
                TelemetryEvent.CallStatus.SUCCESS,
                1.0,
                "st",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null));
      }
    }
    m.handleEvents(events);
    m.handleEvents(List.of());
    assertThat(m.flush(LONG), is(true));
    m.close();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      expected.add("row-" + i);
    }
    assertThat(rowIds(a.received()), equalTo(expected));
    assertThat(a.received(), hasSize(200));
    assertThat(m.health().eventsDropped(), is(0L));
    // The export thread is woken when a batch is full, not for every event: 200 events queued
    // at once go out as 50-event batches.
    assertThat(a.batchSizes().get(0), is(50));
  }

  private static org.hamcrest.Matcher<Long> greaterOrEqual(long n) {
    return org.hamcrest.Matchers.greaterThanOrEqualTo(n);
  }

  @Test
  void filtersByGranularityWithoutCounting() {
    RecordingExporter a = new RecordingExporter("a");
    TelemetryManager m = builder(a).granularity(Granularity.LIFECYCLE).build();
    m.handleEvent(row(1));
    m.handleEvent(
        new TelemetryEvent.PhaseChanged(
            Instant.now(),
            "run-1",
            TelemetryEvent.PipelinePhase.GRAPH,
            TelemetryEvent.PhaseAction.BUILDING));
    m.flush(LONG);
    m.close();
    assertThat(a.received(), hasSize(1));
    assertThat(a.received().get(0), instanceOf(TelemetryEvent.PhaseChanged.class));
    assertThat(m.health().eventsDropped(), is(0L));
  }

  @Test
  void dropModeEvictsTheOldestAndCountsIt() {
    RecordingExporter a = new RecordingExporter("a");
    a.gate = new CountDownLatch(1);
    TelemetryManager m =
        builder(a).capacity(2).maxBatch(1).backpressure(BackpressureMode.DROP).build();
    m.handleEvent(row(1));
    awaitEntered(a);
    // row-1 is being exported; the queue holds 2 and 3; 4 evicts 2.
    m.handleEvent(row(2));
    m.handleEvent(row(3));
    m.handleEvent(row(4));
    assertThat(m.health().eventsDropped(), is(1L));
    a.gate.countDown();
    m.flush(LONG);
    m.close();
    assertThat(rowIds(a.received()), contains("row-1", "row-3", "row-4"));
    assertThat(health(), containsString("\"event_type\":\"EventsDropped\""));
    assertThat(health(), containsString("\"reason\":\"queue_full\""));
  }

  @Test
  void blockModeWaitsThenDropsAndCounts() {
    RecordingExporter a = new RecordingExporter("a");
    a.gate = new CountDownLatch(1);
    TelemetryManager m =
        builder(a).capacity(1).maxBatch(1).blockTimeout(Duration.ofMillis(50)).build();
    m.handleEvent(row(1));
    awaitEntered(a);
    m.handleEvent(row(2)); // fills the queue
    assertThat(m.health().producerWaitMillis(), is(0L));
    m.handleEvent(row(3)); // waits 50 ms, then is dropped
    assertThat(m.health().eventsDropped(), is(1L));
    // The wait is what telemetry cost the pipeline, and the snapshot says it.
    assertThat(m.health().producerWaitMillis(), greaterThanOrEqualTo(40L));
    a.gate.countDown();
    m.flush(LONG);
    m.close();
    assertThat(rowIds(a.received()), contains("row-1", "row-2"));
    assertThat(health(), containsString("\"reason\":\"block_timeout\""));
  }

  @Test
  void blockModeWaitsOnceForAHandOverThenDropsWhatFindsTheQueueFull() {
    RecordingExporter a = new RecordingExporter("a");
    a.gate = new CountDownLatch(1);
    TelemetryManager m =
        builder(a).capacity(1).maxBatch(1).blockTimeout(Duration.ofMillis(50)).build();
    m.handleEvent(row(1));
    awaitEntered(a);
    // row-2 fills the queue; row-3 waits out the hand-over's 50 ms; row-4 and row-5 find the
    // deadline passed and are dropped at once.
    m.handleEvents(List.of(row(2), row(3), row(4), row(5)));
    assertThat(m.health().eventsDropped(), is(3L));
    a.gate.countDown();
    m.flush(LONG);
    m.close();
    assertThat(rowIds(a.received()), contains("row-1", "row-2"));
    assertThat(health(), containsString("\"reason\":\"block_timeout\""));
  }

  @Test
  void eventsHandedOverAfterCloseAreEachCountedAsDiscarded() {
    RecordingExporter a = new RecordingExporter("a");
    TelemetryManager m = builder(a).build();
    m.close();
    m.handleEvents(List.of(row(1), row(2), row(3)));
    assertThat(m.health().discardedAtShutdown(), is(3L));
  }

  @Test
  void partialFailureCountsTheExporterAndStillEmits() {
    RecordingExporter good = new RecordingExporter("good");
    RecordingExporter bad = new RecordingExporter("bad");
    bad.failing = true;
    TelemetryManager m = builder(good, bad).maxConsecutiveFailures(1).build();
    m.handleEvent(row(1));
    m.flush(LONG);
    HealthMetrics h = m.health();
    m.close();
    assertThat(h.exporterFailures(), equalTo(Map.of("good", 0L, "bad", 1L)));
    assertThat(h.consecutiveTotalFailures(), is(0));
    assertThat(h.disabled(), is(false));
    assertThat(rowIds(good.received()), contains("row-1"));
    assertThat(health(), containsString("\"event_type\":\"ExporterFailed\""));
  }

  @Test
  void totalFailureStreakDisablesTelemetryWhenNotFailingTheRun() {
    RecordingExporter bad = new RecordingExporter("bad");
    bad.failing = true;
    TelemetryManager m =
        builder(bad)
            .failOnTotalExporterFailure(false)
            .maxConsecutiveFailures(3)
            .maxBatch(1)
            .build();
    for (int i = 0; i < 3; i++) {
      m.handleEvent(row(i));
      m.flush(LONG);
    }
    assertThat(m.health().disabled(), is(true));
    m.handleEvent(row(99)); // silently ignored once disabled
    assertThat(m.flush(LONG), is(true));
    HealthMetrics h = m.health();
    m.close();
    assertThat(h.eventsDropped(), is(3L));
    assertThat(h.exporterFailures().get("bad"), is(3L));
    assertThat(health(), containsString("\"event_type\":\"TelemetryDisabled\""));
    assertThat(health(), containsString("\"event_type\":\"AllExportersFailing\""));
    assertThat(health(), containsString("\"last\":true"));
  }

  @Test
  void totalFailureStreakIsRaisedByFlushOnceWhenFailingTheRun() {
    RecordingExporter bad = new RecordingExporter("bad");
    bad.failing = true;
    TelemetryManager m =
        builder(bad).failOnTotalExporterFailure(true).maxConsecutiveFailures(2).maxBatch(1).build();
    m.handleEvent(row(1));
    m.flush(LONG);
    m.handleEvent(row(2));
    TelemetryFailureException e =
        assertThrows(TelemetryFailureException.class, () -> m.flush(LONG));
    assertThat(
        e.getMessage(), containsString("The exporter bad failed to export 2 consecutive batches"));
    assertThat(m.flush(LONG), is(true)); // cleared after being raised
    assertThat(m.health().disabled(), is(false));
    m.close();
  }

  @Test
  void theTotalFailureErrorNamesTheThresholdNotTheStreakSoFar() {
    RecordingExporter bad = new RecordingExporter("bad");
    bad.failing = true;
    TelemetryManager m =
        builder(bad).failOnTotalExporterFailure(true).maxConsecutiveFailures(1).maxBatch(1).build();
    for (int i = 1; i <= 5; i++) {
      m.handleEvent(row(i));
    }
    TelemetryFailureException e =
        assertThrows(TelemetryFailureException.class, () -> m.flush(LONG));
    assertThat(
        e.getMessage(),
        containsString(
            "telemetry: The exporter bad failed to export a batch (max_consecutive_failures: 1)."));
    m.close();
  }

  @Test
  void aTotalFailureOfSeveralExportersSaysHowMany() {
    RecordingExporter bad = new RecordingExporter("bad");
    RecordingExporter worse = new RecordingExporter("worse");
    bad.failing = true;
    worse.failing = true;
    TelemetryManager m =
        builder(bad, worse)
            .failOnTotalExporterFailure(true)
            .maxConsecutiveFailures(3)
            .maxBatch(1)
            .build();
    for (int i = 1; i <= 3; i++) {
      m.handleEvent(row(i));
    }
    TelemetryFailureException e =
        assertThrows(TelemetryFailureException.class, () -> m.flush(LONG));
    assertThat(
        e.getMessage(),
        containsString(
            "All 2 exporters failed to export 3 consecutive batches (max_consecutive_failures: 3)."));
    m.close();
  }

  @Test
  void aStreakBelowTheThresholdIsResetBySuccess() {
    RecordingExporter flaky = new RecordingExporter("flaky");
    TelemetryManager m = builder(flaky).maxConsecutiveFailures(2).maxBatch(1).build();
    flaky.failing = true;
    m.handleEvent(row(1));
    m.flush(LONG);
    flaky.failing = false;
    m.handleEvent(row(2));
    m.flush(LONG);
    flaky.failing = true;
    m.handleEvent(row(3));
    assertThat(m.flush(LONG), is(true)); // no exception: the streak restarted at 1
    assertThat(m.health().consecutiveTotalFailures(), is(1));
    m.close();
  }

  @Test
  void reEntrantHandleEventFromAnExporterNeitherBlocksNorLoops() {
    RecordingExporter a = new RecordingExporter("a");
    TelemetryManager m = builder(a).capacity(1).maxBatch(1).build();
    a.onExport =
        e -> {
          if (e instanceof TelemetryEvent.RowCreated r && r.rowId().startsWith("row-")) {
            m.handleEvent(
                new TelemetryEvent.RowCreated(
                    Instant.now(), "run-1", "echo-" + r.rowId(), "t", "h"));
            m.flush(LONG); // on the export thread: returns at once
          }
        };
    m.handleEvent(row(1));
    m.flush(LONG);
    m.close();
    assertThat(rowIds(a.received()), contains("row-1", "echo-row-1"));
  }

  @Test
  void flushAndCloseAreIdempotentAndCloseShutsTheExportersDownOnceAndCountsDiscardedEvents() {
    RecordingExporter a = new RecordingExporter("a");
    TelemetryManager m = builder(a).build();
    m.handleEvent(row(1));
    m.flush(LONG);
    m.flush(LONG);
    m.close();
    m.close();
    m.handleEvent(row(2)); // after close: discarded, counted
    assertThat(m.flush(LONG), is(true));
    assertThat(a.shutdowns, is(1));
    assertThat(m.health().discardedAtShutdown(), is(1L));
    assertThat(rowIds(a.received()), contains("row-1"));
  }

  @Test
  void eventsStillQueuedWhenTheExportThreadIsStuckAreCountedAtShutdown() {
    RecordingExporter a = new RecordingExporter("a");
    a.gate = new CountDownLatch(1);
    TelemetryManager m = builder(a).maxBatch(1).closeTimeout(Duration.ofMillis(50)).build();
    m.handleEvent(row(1));
    awaitEntered(a);
    m.handleEvent(row(2));
    m.handleEvent(row(3));
    m.close();
    a.gate.countDown();
    assertThat(m.health().discardedAtShutdown(), is(2L));
    assertThat(health(), containsString("\"discarded_at_shutdown\":2"));
  }

  @Test
  void healthEventsAlsoGoToTheExportersAndTheHealthFile(@TempDir Path dir) throws Exception {
    RecordingExporter good = new RecordingExporter("good");
    RecordingExporter bad = new RecordingExporter("bad");
    bad.failing = true;
    Path file = dir.resolve("health.jsonl");
    TelemetryManager m =
        TelemetryManager.builder("run-1")
            .granularity(Granularity.ROWS)
            .exporter(good)
            .exporter(bad)
            .lastResort(new LastResortChannel(null, file))
            .build();
    m.handleEvent(row(1));
    m.flush(LONG);
    m.flush(LONG); // the ExporterFailed health event queued by the first batch
    m.close();
    assertThat(good.received(), hasItem(instanceOf(HealthEvent.ExporterFailed.class)));
    List<String> lines = Files.readAllLines(file);
    assertThat(lines, hasItem(containsString("\"exporter\":\"bad\"")));
    assertThat(lines, everyItem(containsString("\"run_id\":\"run-1\"")));
    assertThat(lines.get(lines.size() - 1), containsString("HealthSnapshot"));
  }

  @Test
  void aDisabledManagerEmitsNothing() {
    TelemetryManager m = TelemetryManager.disabled("run-1");
    m.handleEvent(row(1));
    assertThat(m.flush(LONG), is(true));
    m.close();
    assertThat(m.active(), is(false));
    assertThat(health(), is(""));
  }

  private static TelemetryEvent lifecycle() {
    return new TelemetryEvent.PhaseChanged(
        Instant.now(),
        "run-1",
        TelemetryEvent.PipelinePhase.PROCESS,
        TelemetryEvent.PhaseAction.PROCESSING);
  }

  private static List<String> rowIdsOfBatches(List<List<TelemetryEvent>> batches) {
    List<String> ids = new ArrayList<>();
    batches.forEach(b -> ids.addAll(rowIds(b)));
    return ids;
  }

  @Test
  void atMostMaxInFlightBatchesAwaitTheirResults() throws Exception {
    PendingExporter p = new PendingExporter("p");
    TelemetryManager m =
        TelemetryManager.builder("run-1")
            .granularity(Granularity.FULL)
            .lastResort(channel)
            .exporter(p)
            .maxBatch(1)
            .maxInFlight(3)
            .build();
    for (int i = 0; i < 6; i++) {
      m.handleEvent(row(i));
    }
    p.awaitSent(3);
    Thread.sleep(100); // a fourth would have gone by now
    assertThat(p.sent(), hasSize(3));
    assertThat(m.flush(Duration.ofMillis(50)), is(false));
    p.answer(0, ExportResult.SUCCESS);
    p.awaitSent(4);
    assertThat(p.sent(), hasSize(4));
    for (int i = 1; i < 6; i++) {
      p.awaitSent(Math.min(6, i + 3));
      p.answer(i, ExportResult.SUCCESS);
    }
    assertThat(m.flush(LONG), is(true));
    m.close();
    assertThat(
        rowIdsOfBatches(p.sent()), contains("row-0", "row-1", "row-2", "row-3", "row-4", "row-5"));
    assertThat(m.health().eventsEmitted(), is(6L));
  }

  @Test
  void resultsAnsweredOutOfOrderAreAccountedInFifoOrder() throws Exception {
    PendingExporter p = new PendingExporter("p");
    TelemetryManager m =
        TelemetryManager.builder("run-1")
            .granularity(Granularity.FULL)
            .lastResort(channel)
            .exporter(p)
            .maxBatch(1)
            .maxInFlight(4)
            .maxConsecutiveFailures(2)
            .failOnTotalExporterFailure(false)
            .build();
    for (int i = 0; i < 3; i++) {
      m.handleEvent(row(i));
    }
    p.awaitSent(3);
    // Batches 1 and 2 fail first; batch 0 has not answered: nothing is accounted yet.
    p.answer(2, ExportResult.failure("backend down"));
    p.answer(1, ExportResult.failure("backend down"));
    Thread.sleep(100);
    assertThat(m.health().exporterFailures().get("p"), is(0L));
    assertThat(m.health().consecutiveTotalFailures(), is(0));
    // Batch 0 succeeds: in order, success then two failures, a streak of 2 that disables.
    p.answer(0, ExportResult.SUCCESS);
    assertThat(m.flush(LONG), is(true));
    HealthMetrics h = m.health();
    m.close();
    assertThat(h.eventsEmitted(), is(1L));
    assertThat(h.exporterFailures().get("p"), is(2L));
    assertThat(h.consecutiveTotalFailures(), is(2));
    assertThat(h.disabled(), is(true));
    assertThat(h.eventsDropped(), is(2L));
  }

  @Test
  void aLifecycleEventWaitsForEveryEarlierBatchAndIsAnsweredBeforeTheNext() throws Exception {
    PendingExporter p = new PendingExporter("p");
    TelemetryManager m =
        TelemetryManager.builder("run-1")
            .granularity(Granularity.FULL)
            .lastResort(channel)
            .exporter(p)
            .maxBatch(1)
            .maxInFlight(4)
            .build();
    m.handleEvent(row(0));
    m.handleEvent(row(1));
    p.awaitSent(2);
    m.handleEvent(lifecycle());
    m.handleEvent(row(2));
    Thread.sleep(100);
    assertThat("the lifecycle batch waits for the row batches", p.sent(), hasSize(2));
    p.answer(1, ExportResult.SUCCESS);
    p.answer(0, ExportResult.SUCCESS);
    p.awaitSent(3);
    assertThat(p.sent().get(2).get(0), instanceOf(TelemetryEvent.PhaseChanged.class));
    Thread.sleep(100);
    assertThat("nothing is sent while the lifecycle batch is out", p.sent(), hasSize(3));
    p.answer(2, ExportResult.SUCCESS);
    p.awaitSent(4);
    p.answer(3, ExportResult.SUCCESS);
    assertThat(m.flush(LONG), is(true));
    m.close();
    assertThat(rowIds(p.sent().get(3)), contains("row-2"));
  }

  @Test
  void batchesStillUnansweredAtCloseAreCountedAsDiscarded() throws Exception {
    PendingExporter p = new PendingExporter("p");
    TelemetryManager m =
        TelemetryManager.builder("run-1")
            .granularity(Granularity.FULL)
            .lastResort(channel)
            .exporter(p)
            .maxBatch(1)
            .maxInFlight(4)
            .closeTimeout(Duration.ofMillis(100))
            .build();
    for (int i = 0; i < 3; i++) {
      m.handleEvent(row(i));
    }
    p.awaitSent(3);
    p.answer(0, ExportResult.SUCCESS);
    m.close();
    p.answer(1, ExportResult.SUCCESS); // too late: already counted as discarded
    p.answer(2, ExportResult.SUCCESS);
    assertThat(m.flush(LONG), is(true));
    Thread.sleep(50);
    HealthMetrics h = m.health();
    assertThat(h.eventsEmitted(), is(1L));
    assertThat(h.discardedAtShutdown(), is(2L));
    assertThat(health(), containsString("\"discarded_at_shutdown\":2"));
  }

  @Test
  void anExporterThatNeverAnswersFailsItsBatchAfterTheExportTimeout() throws Exception {
    PendingExporter p = new PendingExporter("p");
    TelemetryManager m =
        TelemetryManager.builder("run-1")
            .granularity(Granularity.FULL)
            .lastResort(channel)
            .exporter(p)
            .maxBatch(1)
            .exportTimeout(Duration.ofMillis(100))
            .failOnTotalExporterFailure(false)
            .build();
    m.handleEvent(row(0));
    assertThat(m.flush(LONG), is(true));
    HealthMetrics h = m.health();
    m.close();
    assertThat(h.exporterFailures().get("p"), is(1L));
    assertThat(h.eventsDropped(), is(1L));
    assertThat(health(), containsString("no result within 100 ms"));
  }

  @Test
  void aBatchTakenOffTheQueueBeforeTheStreakTripsIsNotSentButCountedAsDropped() throws Exception {
    PendingExporter p = new PendingExporter("p");
    TelemetryManager m =
        TelemetryManager.builder("run-1")
            .granularity(Granularity.FULL)
            .lastResort(channel)
            .exporter(p)
            .maxBatch(1)
            .maxInFlight(1)
            .maxConsecutiveFailures(1)
            .failOnTotalExporterFailure(false)
            .build();
    m.handleEvent(row(0));
    p.awaitSent(1);
    m.handleEvent(row(1));
    m.handleEvent(row(2));
    // The export thread takes row-1 off the queue and waits for room in flight.
    long deadline = System.nanoTime() + LONG.toNanos();
    while (m.health().queueDepth() != 1 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(m.health().queueDepth(), is(1));
    p.answer(0, ExportResult.failure("backend down"));
    assertThat(m.flush(LONG), is(true));
    HealthMetrics h = m.health();
    m.close();
    assertThat(h.disabled(), is(true));
    assertThat("row-1 is not sent once telemetry is disabled", p.sent(), hasSize(1));
    assertThat(h.exporterFailures().get("p"), is(1L));
    // row-0 failed, row-1 was taken off the queue, row-2 was still queued: all dropped.
    assertThat(h.eventsDropped(), is(3L));
    assertThat(h.eventsEmitted(), is(0L));
  }

  @Test
  void eventsAProducerCouldNotBuildAreCountedAsDroppedAndReported() {
    RecordingExporter ok = new RecordingExporter("ok");
    TelemetryManager m = builder(ok).build();
    m.handleEvent(row(0));
    m.countDropped("unbuildable", 3);
    assertThat(m.flush(LONG), is(true));
    HealthMetrics h = m.health();
    m.close();
    assertThat(h.eventsDropped(), is(3L));
    assertThat(h.eventsEmitted(), is(2L)); // row-0 and the EventsDropped health event
    assertThat(health(), containsString("\"reason\":\"unbuildable\""));
    assertThat(
        ok.received().stream().filter(e -> e instanceof HealthEvent.EventsDropped).count(), is(1L));
  }

  @Test
  void aRunsManagerQueueHoldsACommitTransactionsEvents() {
    TelemetryManager m =
        TelemetryManagers.create(
            "run-q",
            new io.elspeth.telemetry.config.TelemetrySettings(
                true,
                Granularity.ROWS,
                BackpressureMode.BLOCK,
                false,
                10,
                List.of(
                    new io.elspeth.telemetry.config.ExporterSettings(
                        "console", Map.of("output", "stderr")))));
    try {
      // More than a 5000-record transaction's events, so a commit never waits on its own burst.
      assertThat(m.health().queueCapacity(), is(TelemetryManagers.RUN_QUEUE_CAPACITY));
      assertThat(TelemetryManagers.RUN_QUEUE_CAPACITY >= 2 * 5000, is(true));
    } finally {
      m.close();
    }
  }

  private static void awaitEntered(RecordingExporter e) {
    try {
      e.entered.await();
    } catch (InterruptedException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
