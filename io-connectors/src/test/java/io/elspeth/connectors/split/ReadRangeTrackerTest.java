package io.elspeth.connectors.split;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

class ReadRangeTrackerTest {
  private static final Instant STARTED = Instant.parse("2026-01-02T03:04:05.123456789Z");

  private static ReadPosition at(long offset, long index) {
    return new ReadPosition(offset, index, index + 1, index + 1, index, 0, 0, 0);
  }

  private static ReadClaim record(long offset, long next, long index) {
    return new ReadClaim(at(offset, index), at(next, index + 1));
  }

  private static ReadRangeTracker tracker(long minClaims) {
    return new ReadRangeTracker(
        ReadRange.whole(ReadPosition.start(0), "op-1", STARTED), minClaims, Long.MAX_VALUE);
  }

  @Test
  void aCheckpointIsRefusedBeforeTheMinimumAndResumesExactlyAfterTheLastClaim() {
    ReadRangeTracker t = tracker(2);
    assertThat(t.trySplit(0), nullValue());
    assertThat(t.tryClaim(record(0, 10, 0)), is(true));
    assertThat(t.trySplit(0), nullValue());
    assertThat(t.tryClaim(record(10, 25, 1)), is(true));

    SplitResult<ReadRange> split = t.trySplit(0);

    assertThat(split, notNullValue());
    assertThat(split.getPrimary().end(), is(25L));
    assertThat(split.getResidual().from(), is(at(25, 2)));
    assertThat(split.getResidual().end(), is(Long.MAX_VALUE));
    assertThat(split.getResidual().operationId(), is("op-1"));
    assertThat(t.tryClaim(record(25, 30, 2)), is(false));
    t.checkDone();
  }

  @Test
  void whileACheckpointIsWantedOneIsAcceptedAfterAnyClaimBelowTheMinimum() {
    boolean[] wanted = {false};
    ReadRangeTracker t =
        new ReadRangeTracker(
            ReadRange.whole(ReadPosition.start(0), "op-1", STARTED),
            1000,
            Long.MAX_VALUE,
            () -> wanted[0]);
    assertThat(t.tryClaim(record(0, 10, 0)), is(true));
    assertThat(t.trySplit(0), nullValue());
    wanted[0] = true;
    assertThat(
        "never before the first claim",
        new ReadRangeTracker(
                ReadRange.whole(ReadPosition.start(0), "op-1", STARTED),
                1000,
                Long.MAX_VALUE,
                () -> true)
            .trySplit(0),
        nullValue());

    SplitResult<ReadRange> split = t.trySplit(0);

    assertThat(split, notNullValue());
    assertThat(split.getResidual().from(), is(at(10, 1)));
    assertThat(t.tryClaim(record(10, 20, 1)), is(false));
    t.checkDone();
  }

  @Test
  void aReadMustEndWithItsClosingClaim() {
    ReadRangeTracker t = tracker(1);
    assertThat(t.tryClaim(record(0, 10, 0)), is(true));
    assertThrows(IllegalStateException.class, t::checkDone);
    assertThat(t.tryClaim(ReadClaim.end(at(10, 1))), is(true));
    t.checkDone();
    assertThat("nothing is left after the closing claim", t.trySplit(0), nullValue());
  }

  @Test
  void noCheckpointWhereTheNextPositionIsUnknownNorAtAFractionOtherThanZero() {
    ReadRangeTracker t = tracker(1);
    assertThat(t.tryClaim(new ReadClaim(at(0, 0), at(ReadPosition.UNKNOWN, 1))), is(true));
    assertThat(t.trySplit(0), nullValue());
    assertThat(t.tryClaim(new ReadClaim(at(ReadPosition.UNKNOWN, 1), at(40, 2))), is(true));
    assertThat(t.trySplit(0.5), nullValue());
    assertThat(t.trySplit(0), notNullValue());
  }

  @Test
  void theRestrictionCoderKeepsEveryField() throws Exception {
    ReadRange range =
        new ReadRange(
            new ReadPosition(ReadPosition.UNKNOWN, 7, 8, 9, 4, 2, 1, 3), 1234, "op-9", STARTED);
    ReadRange decoded =
        CoderUtils.decodeFromByteArray(
            ReadRange.Coder.of(), CoderUtils.encodeToByteArray(ReadRange.Coder.of(), range));
    assertThat(decoded, is(range));
  }
}
