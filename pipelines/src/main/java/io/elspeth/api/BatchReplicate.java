package io.elspeth.api;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.plugin.StepContext;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code batch_replicate}: each row of a batch copied as many times as a field of it says, with
 * typed options.
 */
public final class BatchReplicate extends AggregationTransform<BatchReplicate> {
  private static final long serialVersionUID = 1L;

  BatchReplicate(Spec spec, @Nullable StepContext context, ClientSettings clients) {
    super(spec, context, clients);
  }

  @Override
  BatchReplicate copy(Spec spec, @Nullable StepContext context, ClientSettings clients) {
    return new BatchReplicate(spec, context, clients);
  }

  /** The field holding a row's copy count ({@code copies_field}, default {@code copies}). */
  public BatchReplicate withCopiesField(String field) {
    return withOption("copies_field", field);
  }

  /** Copies of a row without the field ({@code default_copies}, default 1). */
  public BatchReplicate withDefaultCopies(long copies) {
    return withOption("default_copies", copies);
  }

  /** The largest copy count accepted ({@code max_copies}, default 1000). */
  public BatchReplicate withMaxCopies(long copies) {
    return withOption("max_copies", copies);
  }

  /** Whether each copy gets {@code copy_index} ({@code include_copy_index}, default true). */
  public BatchReplicate withIncludeCopyIndex(boolean include) {
    return withOption("include_copy_index", include);
  }
}
