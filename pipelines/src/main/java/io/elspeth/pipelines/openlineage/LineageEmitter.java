package io.elspeth.pipelines.openlineage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.elspeth.audit.store.LandscapeUrl;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends OpenLineage events to their transports on a thread of its own, in the order they were
 * emitted, so a slow or dead lineage server never holds a run up. Like telemetry, a failure never
 * changes a run: it is logged (at WARN, naming the transport and the event, never a secret) and
 * counted. {@link #close} waits, bounded, for the events still queued.
 */
public final class LineageEmitter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LineageEmitter.class);

  private final List<LineageTransport> transports;
  private final ExecutorService sender;
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  public LineageEmitter(List<LineageTransport> transports) {
    this.transports = List.copyOf(transports);
    this.sender =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "openlineage-emitter");
              t.setDaemon(true);
              return t;
            });
  }

  /** An emitter that sends nothing: lineage is not configured. */
  public static LineageEmitter none() {
    return new LineageEmitter(List.of());
  }

  /** Whether any transport is configured. */
  public boolean enabled() {
    return !transports.isEmpty();
  }

  /** Queues {@code event} for every transport; returns at once. */
  public void emit(ObjectNode event) {
    if (transports.isEmpty()) {
      return;
    }
    String type = event.path("eventType").asText();
    String runId = event.path("run").path("runId").asText();
    String json;
    try {
      json = RunEvents.JSON.writeValueAsString(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "an OpenLineage event built from a JSON tree must serialize", e);
    }
    try {
      sender.execute(() -> send(type, runId, json));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      failures.addAndGet(transports.size());
      LOG.warn(
          "openlineage event dropped event_type={} run_id={}: the emitter is closed", type, runId);
    }
  }

  private void send(String type, String runId, String json) {
    for (LineageTransport transport : transports) {
      try {
        transport.send(json);
        delivered.incrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.incrementAndGet();
        LOG.warn(
            "openlineage event not delivered event_type={} run_id={} transport={}:"
                + " interrupted",
            type,
            runId,
            transport);
        return;
      } catch (Exception e) {
        failures.incrementAndGet();
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        LOG.warn(
            "openlineage event not delivered event_type={} run_id={} transport={}"
                + " failures={} error={}",
            type,
            runId,
            transport,
            failures.get(),
            LandscapeUrl.redact(why));
      }
    }
  }

  /** Events delivered to a transport (one per event and transport). */
  public long delivered() {
    return delivered.get();
  }

  /** Deliveries that failed (one per event and transport). */
  public long failures() {
    return failures.get();
  }

  /** Waits up to {@code timeout} for queued events, then stops; never throws. */
  public void close(Duration timeout) {
    sender.shutdown();
    try {
      if (!sender.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        List<Runnable> left = sender.shutdownNow();
        LOG.warn(
            "openlineage events not delivered before the run ended events={} timeout={}",
            left.size(),
            timeout);
      }
    } catch (InterruptedException e) {
      sender.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (failures.get() > 0) {
      LOG.warn(
          "openlineage deliveries failed failures={} delivered={}",
          failures.get(),
          delivered.get());
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
