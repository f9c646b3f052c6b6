package io.elspeth.connectors.sink;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionView;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What stops every sink from publishing when one sink cannot write a row and has no {@code
 * on_write_failure}: the refusals of every {@link SinkRowCheck} become one verdict, a side input
 * each {@link SinkWrite} reads before it stages anything. Beam makes a side input ready only once
 * everything upstream of it is done, so no sink writes before every row of every sink was checked.
 */
public final class SinkWriteBarrier {
  private SinkWriteBarrier() {}

  /**
   * The verdict over the refusals of every sink, as the side input each {@link SinkWrite} waits for
   * before writing (see {@link SinkWrite#withBarrier}).
   */
  public static PCollectionView<Verdict> of(PCollectionList<Refusal> refusals) {
    return refusals
        .apply("sink-refusals", Flatten.pCollections())
        .setCoder(SerializableCoder.of(Refusal.class))
        .apply("sink-write-barrier", Combine.globally(new VerdictFn()).asSingletonView());
  }

  /** A row a sink without {@code on_write_failure} cannot write: it fails the run. */
  public record Refusal(String sink, String rowId, long rowIndex, String tokenId, String reason)
      implements Serializable {
    static final Comparator<Refusal> ORDER =
        Comparator.comparingLong(Refusal::rowIndex)
            .thenComparing(Refusal::tokenId)
            .thenComparing(Refusal::sink);
  }

  /** How many rows were refused, and the first in source order. */
  public record Verdict(long refused, @Nullable Refusal first) implements Serializable {
    /** The run's failure: the sink, the row and the reason. */
    public String message() {
      if (first == null) {
        throw new IllegalStateException("no row was refused");
      }
      return "sink '"
          + first.sink()
          + "' cannot write row "
          + first.rowIndex()
          + " (row_id "
          + first.rowId()
          + ", token "
          + first.tokenId()
          + "): "
          + first.reason()
          + "; the sink has no on_write_failure, so the run fails and no sink published"
          + (refused > 1 ? " (" + refused + " rows could not be written)" : "");
    }
  }

  static final class VerdictFn extends Combine.CombineFn<Refusal, Verdict, Verdict> {
    @Override
    public Verdict createAccumulator() {
      return new Verdict(0, null);
    }

    @Override
    public Verdict addInput(Verdict acc, Refusal r) {
      return mergeAccumulators(List.of(acc, new Verdict(1, r)));
    }

    @Override
    public Verdict mergeAccumulators(Iterable<Verdict> accs) {
      long n = 0;
      Refusal first = null;
      for (Verdict v : accs) {
        n += v.refused();
        if (v.first() != null && (first == null || Refusal.ORDER.compare(v.first(), first) < 0)) {
          first = v.first();
        }
      }
      return new Verdict(n, first);
    }

    @Override
    public Verdict extractOutput(Verdict acc) {
      return acc;
    }

    @Override
    public Coder<Verdict> getAccumulatorCoder(CoderRegistry registry, Coder<Refusal> input) {
      return SerializableCoder.of(Verdict.class);
    }

    @Override
    public Coder<Verdict> getDefaultOutputCoder(CoderRegistry registry, Coder<Refusal> input) {
      return SerializableCoder.of(Verdict.class);
    }
  }
}
