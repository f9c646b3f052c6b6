package io.elspeth.connectors.split;

import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Tracks a sequential read over a {@link ReadRange}, one {@link ReadClaim} per record, and accepts
 * a checkpoint (a split at fraction 0) only after a record whose next position is known, and only
 * once this process call has claimed at least {@code minClaims} records or {@code minBytes} bytes.
 * Runners checkpoint often (the DirectRunner tries after every 100 outputs): the minimum keeps each
 * resumed part large enough to be worth its bundle, while a split at all bounds what one bundle
 * holds. Only checkpoints are supported: a read cannot be divided ahead of its reader.
 */
public final class ReadRangeTracker extends RestrictionTracker<ReadRange, ReadClaim> {
  private ReadRange range;
  private final long minClaims;
  private final long minBytes;
  private @Nullable ReadClaim last;
  private long claims;
  private final java.util.function.BooleanSupplier checkpointWanted;

  public ReadRangeTracker(ReadRange range, long minClaims, long minBytes) {
    this(range, minClaims, minBytes, () -> false);
  }

  /**
   * As above; while {@code checkpointWanted} says so, a checkpoint is accepted after any claim,
   * whatever the minimums (a reader that must slow down ends its part at the runner's next try).
   */
  public ReadRangeTracker(
      ReadRange range,
      long minClaims,
      long minBytes,
      java.util.function.BooleanSupplier checkpointWanted) {
    this.range = range;
    this.minClaims = minClaims;
    this.minBytes = minBytes;
    this.checkpointWanted = checkpointWanted;
  }

  @Override
  public boolean tryClaim(ReadClaim claim) {
    ReadPosition start = claim.start();
    // An unknown start follows a claim whose next was unknown, after which no split was possible.
    if (start.isKnown() && start.offset() >= range.end()) {
      return false;
    }
    if (last != null && last.next().offset() >= range.end()) {
      return false;
    }
    last = claim;
    claims++;
    return true;
  }

  @Override
  public ReadRange currentRestriction() {
    return range;
  }

  @Override
  public @Nullable SplitResult<ReadRange> trySplit(double fractionOfRemainder) {
    if (fractionOfRemainder != 0) {
      return null;
    }
    // Before the first claim a checkpoint would only reschedule the whole range.
    if (last == null) {
      return null;
    }
    ReadPosition splitAt = last.next();
    long bytes = splitAt.offset() - range.from().offset();
    if (!splitAt.isKnown()
        || splitAt.offset() >= range.end()
        || (claims < minClaims && bytes < minBytes && !checkpointWanted.getAsBoolean())) {
      return null;
    }
    ReadRange primary =
        new ReadRange(range.from(), splitAt.offset(), range.operationId(), range.started());
    ReadRange residual = new ReadRange(splitAt, range.end(), range.operationId(), range.started());
    range = primary;
    return SplitResult.of(primary, residual);
  }

  @Override
  public void checkDone() throws IllegalStateException {
    boolean done =
        last == null
            ? range.from().isKnown() && range.from().offset() >= range.end()
            : last.next().offset() >= range.end();
    if (!done) {
      throw new IllegalStateException(
          "the read stopped before the end of " + range + "; last claim " + last);
    }
  }

  @Override
  public IsBounded isBounded() {
    return IsBounded.BOUNDED;
  }
}
