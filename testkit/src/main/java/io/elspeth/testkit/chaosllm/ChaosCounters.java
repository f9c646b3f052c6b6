package io.elspeth.testkit.chaosllm;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** ChaosLLM's request counters: in total, per endpoint, per outcome and per HTTP status. */
final class ChaosCounters {
  private final LongAdder total = new LongAdder();
  private final Map<String, LongAdder> byEndpoint = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> byOutcome = new ConcurrentHashMap<>();
  private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();

  void count(String endpoint, String outcome, int status) {
    total.increment();
    byEndpoint.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
    byOutcome.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    byStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
  }

  ChaosStats stats() {
    return new ChaosStats(
        total.sum(), snapshot(byEndpoint), snapshot(byOutcome), snapshot(byStatus));
  }

  void reset() {
    total.reset();
    byEndpoint.clear();
    byOutcome.clear();
    byStatus.clear();
  }

  private static <K> Map<K, Long> snapshot(Map<K, LongAdder> counters) {
    Map<K, Long> copy = new HashMap<>();
    counters.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }
}
