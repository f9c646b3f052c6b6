package io.elspeth.transforms.llm;

import io.elspeth.connectors.client.CallSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Its one job: running a row's queries on the multi-query transform's query pool (or in the row's
 * thread without one) and giving their outcomes in the declared order.
 */
final class QueryPoolRunner {
  private QueryPoolRunner() {}

  /**
   * Runs {@code queries} (each returning its outcome) and gives their outcomes in the declared
   * order: on the query pool, all at once up to {@code pool_size}, or one after another in this
   * thread without a pool. A query's calls go into the row's thread-safe {@link CallSink} either
   * way, numbered in the order they start. A query that throws (a bug, not a row error) throws
   * here.
   */
  static <T> List<T> runAll(@Nullable ExecutorService queryPool, List<Callable<T>> queries) {
    ExecutorService pool = queryPool;
    List<T> out = new ArrayList<>();
    if (pool == null) {
      for (Callable<T> q : queries) {
        out.add(callUnchecked(q));
      }
      return out;
    }
    List<Future<T>> futures = new ArrayList<>();
    for (Callable<T> q : queries) {
      futures.add(pool.submit(q));
    }
    boolean interrupted = false;
    try {
      // Every call has its timeout, so waiting through an interrupt ends; the row's outcome
      // then holds every query's answer (and its recorded calls), as without the pool.
      for (Future<T> f : futures) {
        while (true) {
          try {
            out.add(f.get());
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
              throw re;
            }
            if (cause instanceof Error err) {
              throw err;
            }
            throw new IllegalStateException(cause);
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    return out;
  }

  private static <T> T callUnchecked(Callable<T> q) {
    try {
      return q.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
