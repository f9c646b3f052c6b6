package io.elspeth.api;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.plugin.StepContext;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Any installed aggregation plugin by name (built in, or a plugin jar's), its options set with
 * {@link #withOption}.
 */
public final class AnyAggregation extends AggregationTransform<AnyAggregation> {
  private static final long serialVersionUID = 1L;

  AnyAggregation(Spec spec, @Nullable StepContext context, ClientSettings clients) {
    super(spec, context, clients);
  }

  @Override
  AnyAggregation copy(Spec spec, @Nullable StepContext context, ClientSettings clients) {
    return new AnyAggregation(spec, context, clients);
  }
}
