package io.elspeth.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.lineage.RunGraph;
import io.elspeth.audit.store.LandscapeStore;
import io.javalin.http.sse.SseClient;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-sent events of a running run: every poll interval it reads what the Landscape has
 * committed for the run ({@link RunProgress}) and sends a {@code progress} event when that changed;
 * when the run has finished it sends a last event and closes the stream. One thread polls for every
 * open stream, so a browser cannot make the console start threads.
 */
final class ProgressStream implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressStream.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LandscapeStore store;
  private final Duration every;
  private final SettledRuns settled;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "elspeth-web-progress");
            t.setDaemon(true);
            return t;
          });

  ProgressStream(LandscapeStore store, Duration every, SettledRuns settled) {
    this.settled = settled;
    this.store = store;
    this.every = every;
  }

  /** Follows {@code runId} for {@code client} until the run finishes or the client leaves. */
  void follow(SseClient client, String runId, RunGraph graph) {
    client.keepAlive();
    AtomicReference<RunProgress> last = new AtomicReference<>();
    AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
    Runnable poll =
        () -> {
          if (client.terminated()) {
            cancel(task);
            return;
          }
          try (Connection c = store.connection()) {
            RunProgress now =
                RunProgress.read(c, runId, graph, System.currentTimeMillis(), settled);
            if (!now.equals(last.get())) {
              client.sendEvent("progress", JSON.writeValueAsString(now));
              last.set(now);
            }
            if (now.finished()) {
              cancel(task);
              client.close();
            }
          } catch (SQLException | JsonProcessingException | RuntimeException e) {
            LOG.warn("web console progress failed run_id={} error={}", runId, e.toString());
            cancel(task);
            client.close();
          }
        };
    client.onClose(() -> cancel(task));
    task.set(timer.scheduleWithFixedDelay(poll, 0, every.toMillis(), TimeUnit.MILLISECONDS));
  }

  private static void cancel(AtomicReference<ScheduledFuture<?>> task) {
    ScheduledFuture<?> f = task.get();
    if (f != null) {
      f.cancel(false);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
