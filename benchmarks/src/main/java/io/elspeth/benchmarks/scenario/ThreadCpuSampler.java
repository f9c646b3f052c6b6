package io.elspeth.benchmarks.scenario;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * CPU time of this JVM's threads whose names match, over a span of time, including threads that end
 * within it (telemetry's export thread ends with its run): each matching thread's CPU time is read
 * every {@code periodMillis}, and a thread counts with its last reading. A thread's CPU in its last
 * period before it ends is missed, so the figure is a lower bound by at most a period's CPU per
 * thread.
 */
final class ThreadCpuSampler implements AutoCloseable {
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final Predicate<String> names;
  private final Map<Long, Long> lastNanos = new HashMap<>();
  private final Map<Long, Long> firstNanos = new HashMap<>();
  private final Thread sampler;
  private volatile boolean stopped;

  ThreadCpuSampler(Predicate<String> names, long periodMillis) {
    this.names = names;
    sample();
    // Threads alive at the start count from there, not from their own start.
    firstNanos.putAll(lastNanos);
    sampler =
        new Thread(
            () -> {
              while (!stopped) {
                try {
                  Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                  return;
                }
                sample();
              }
            },
            "bench-thread-cpu");
    sampler.setDaemon(true);
    sampler.start();
  }

  private synchronized void sample() {
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && names.test(info.getThreadName())) {
        long cpu = threads.getThreadCpuTime(info.getThreadId());
        if (cpu >= 0) {
          lastNanos.put(info.getThreadId(), cpu);
        }
      }
    }
  }

  /** Stops sampling (after one last reading) and returns the matching threads' CPU ms. */
  synchronized long stopMillis() {
    stopped = true;
    sampler.interrupt();
    sample();
    long nanos = 0;
    for (var e : lastNanos.entrySet()) {
      nanos += e.getValue() - firstNanos.getOrDefault(e.getKey(), 0L);
    }
    return nanos / 1_000_000;
  }

  @Override
  public void close() {
    stopped = true;
    sampler.interrupt();
  }
}
