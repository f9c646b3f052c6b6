package io.elspeth.transforms.llm;

import io.elspeth.transforms.dag.ExternalBatchTransform;
import io.elspeth.transforms.step.TransformResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code openrouter_batch_llm}: a flushed batch's rows sent as concurrent OpenRouter chat
 * completions ({@code pool_size} at a time) through the audited HTTP client, exactly as {@code
 * openrouter_llm} sends one row: every attempt its own call record under the flush's node state,
 * its telemetry carrying the row's token. Results keep member order.
 */
final class OpenRouterBatchLlmTransform implements ExternalBatchTransform {
  private static final long serialVersionUID = 1L;
  static final String PROVIDER = "openrouter";

  private final LlmTransform row;
  private final int poolSize;
  private transient @Nullable ExecutorService pool;

  OpenRouterBatchLlmTransform(LlmTransform row, int poolSize) {
    this.row = row;
    this.poolSize = poolSize;
  }

  @Override
  public void setup() {
    row.setup();
    AtomicInteger n = new AtomicInteger();
    pool =
        Executors.newFixedThreadPool(
            Math.max(1, poolSize),
            r -> {
              Thread t = new Thread(r, "elspeth-openrouter-batch-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public void teardown() {
    if (pool != null) {
      pool.shutdownNow();
    }
    row.teardown();
  }

  @Override
  public List<TransformResult> process(BatchWork work) {
    if (pool == null) {
      throw new IllegalStateException("setup() was not called");
    }
    List<Future<TransformResult>> futures = new ArrayList<>();
    for (Member m : work.members()) {
      futures.add(
          pool.submit(
              () ->
                  row.apply(
                      new java.util.LinkedHashMap<>(m.row()), work.calls(PROVIDER, m.tokenId()))));
    }
    List<TransformResult> out = new ArrayList<>();
    for (Future<TransformResult> f : futures) {
      try {
        out.add(f.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a batch's rows", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("a row of the batch raised: " + e.getCause(), e.getCause());
      }
    }
    return out;
  }
}
