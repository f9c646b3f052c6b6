package io.elspeth.connectors.split;

import java.io.Serializable;

/**
 * Where a sequential read stands between two records, with everything needed to resume there
 * exactly: the byte offset of the next record ({@link #UNKNOWN} when the reader cannot tell, so the
 * read cannot be split there), the index the next row takes, the reader's own counters (records and
 * lines before this point, for messages), and the tallies the read reports when it ends.
 *
 * @param offset byte offset of the next record in the input, or {@link #UNKNOWN}
 * @param index the row index the next row takes (a run-file reader: the next token's ordinal)
 * @param records records the reader parsed before this point (a CSV header included)
 * @param lines physical lines the reader consumed before this point
 */
public record ReadPosition(
    long offset,
    long index,
    long records,
    long lines,
    long valid,
    long quarantined,
    long discarded,
    long resumed)
    implements Serializable {

  /** The offset of a position the reader cannot locate in bytes. */
  public static final long UNKNOWN = -1;

  /** The start of an input. */
  public static ReadPosition start(long firstIndex) {
    return new ReadPosition(0, firstIndex, 0, 0, 0, 0, 0, 0);
  }

  public boolean isKnown() {
    return offset >= 0;
  }

  public ReadPosition atOffset(long newOffset, long newRecords, long newLines) {
    return new ReadPosition(
        newOffset, index, newRecords, newLines, valid, quarantined, discarded, resumed);
  }

  /**
   * This position after one item of {@code kind} (0 valid, 1 quarantined, 2 discarded, 3 skipped in
   * a resumed run); a discarded row takes no index.
   */
  public ReadPosition after(int kind) {
    return new ReadPosition(
        offset,
        kind == 2 ? index : index + 1,
        records,
        lines,
        valid + (kind == 0 ? 1 : 0),
        quarantined + (kind == 1 ? 1 : 0),
        discarded + (kind == 2 ? 1 : 0),
        resumed + (kind == 3 ? 1 : 0));
  }
}
