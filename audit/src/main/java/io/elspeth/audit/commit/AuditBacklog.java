package io.elspeth.audit.commit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far the Landscape commit in this JVM is behind the readers of a run, counted per {@link
 * Kind}: source rows (the file source's reader counts the row records it emits, the commit the row
 * records it commits) and sink outcomes (the sinks' audit readers count the outcomes they emit, the
 * commit the sink outcomes it commits). While the commit is more than a limit behind, a reader's
 * parts end at the runner's next checkpoint try instead of running to their usual size, so the
 * reader slows to what the commit takes.
 *
 * <p>Why: the DirectRunner has no backpressure. A file is read, and a sink's written rows are read
 * back for their audit records, much faster than the commit writes the records they make, and every
 * record not yet committed waits in the runner's bundles on the heap: at 1M rows under {@code
 * -Xmx512m} the pile-up took the live heap past 330 MiB while the source was read, and from 86 to
 * 423 MiB in 7 s while the sinks' records were. Only the DirectRunner's readers consult this; on
 * Flink the network buffers give backpressure.
 *
 * <p>It never stalls a run: a reader slows only while the commit is visibly progressing (it
 * committed a transaction of the run in the last {@link #PROGRESS_WINDOW_NANOS}); a commit that is
 * absent (the audit not committed) or not moving lets the readers go on. Progress is the run's, not
 * the kind's: the sinks' readers start before any sink outcome is committed, and in their first
 * seconds alone they emitted some 400,000 records.
 */
public final class AuditBacklog {
  /** What is counted. */
  public enum Kind {
    /** Source row records (every source row but a discarded one has one). */
    SOURCE_ROWS,
    /** Terminal outcomes recorded by sinks (outcomes with a sink name). */
    SINK_OUTCOMES
  }

  /** A commit that committed nothing of the run for this long is not waited for. */
  static final long PROGRESS_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Runs tracked at once in a JVM; beyond it, idle runs' counters are forgotten. */
  private static final int MAX_RUNS = 64;

  private static final Map<String, Run> RUNS = new ConcurrentHashMap<>();

  private AuditBacklog() {}

  /** A run's counts by kind, and when its commit last committed a transaction. */
  private static final class Run {
    final AtomicLong[] emitted = {new AtomicLong(), new AtomicLong()};
    final AtomicLong[] committed = {new AtomicLong(), new AtomicLong()};
    volatile long lastCommitNanos;
    volatile boolean anyCommit;
  }

  private static Run of(String runId) {
    Run r = RUNS.get(runId);
    if (r == null) {
      if (RUNS.size() >= MAX_RUNS) {
        long now = System.nanoTime();
        RUNS.values().removeIf(x -> !progressing(x, now));
      }
      r = RUNS.computeIfAbsent(runId, k -> new Run());
    }
    return r;
  }

  /**
   * Where a reader of the run counts the records of this kind it emits. A reader takes it once per
   * process call and counts each record into it, with no lookup per record.
   */
  public static java.util.function.LongConsumer emitter(String runId, Kind kind) {
    AtomicLong emitted = of(runId).emitted[kind.ordinal()];
    return emitted::addAndGet;
  }

  /** The commit committed a transaction of the run holding {@code n} records of this kind. */
  public static void committed(String runId, Kind kind, long n) {
    Run r = of(runId);
    r.committed[kind.ordinal()].addAndGet(n);
    progressed(runId);
  }

  /** The commit committed a transaction of the run. */
  public static void progressed(String runId) {
    Run r = of(runId);
    r.lastCommitNanos = System.nanoTime();
    r.anyCommit = true;
  }

  /**
   * Whether readers of the run should slow down: more than {@code limit} emitted records of this
   * kind are not committed yet, and the run's commit is progressing.
   */
  public static boolean behind(String runId, Kind kind, long limit) {
    Run r = RUNS.get(runId);
    return r != null
        && r.emitted[kind.ordinal()].get() - r.committed[kind.ordinal()].get() > limit
        && progressing(r, System.nanoTime());
  }

  private static boolean progressing(Run r, long now) {
    return r.anyCommit && now - r.lastCommitNanos < PROGRESS_WINDOW_NANOS;
  }
}
