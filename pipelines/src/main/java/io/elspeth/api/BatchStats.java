package io.elspeth.api;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.plugin.StepContext;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code batch_stats}: one summary row per batch ({@code count}, {@code sum}, {@code batch_size}
 * and {@code mean} of a numeric field), with typed options.
 */
public final class BatchStats extends AggregationTransform<BatchStats> {
  private static final long serialVersionUID = 1L;

  BatchStats(Spec spec, @Nullable StepContext context, ClientSettings clients) {
    super(spec, context, clients);
  }

  @Override
  BatchStats copy(Spec spec, @Nullable StepContext context, ClientSettings clients) {
    return new BatchStats(spec, context, clients);
  }

  /** The numeric field summarised ({@code value_field}). */
  public BatchStats withValueField(String field) {
    return withOption("value_field", field);
  }

  /** A field copied from the batch's first row into the summary ({@code group_by}). */
  public BatchStats withGroupBy(String field) {
    return withOption("group_by", field);
  }

  /** Whether the summary has the mean ({@code compute_mean}, default true). */
  public BatchStats withComputeMean(boolean mean) {
    return withOption("compute_mean", mean);
  }
}
