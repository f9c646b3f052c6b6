package io.elspeth.connectors.split;

/**
 * A claim of one record (or of the read's closing step): the position the record starts at and the
 * position after it. Readers parse a record before claiming it, so both are known; a split then
 * resumes exactly at {@code next}, which no reader could find by scanning (a CSV quoted field may
 * hold newlines).
 */
public record ReadClaim(ReadPosition start, ReadPosition next) {

  /** The claim of the closing step at {@code position}: after it nothing is left to read. */
  public static ReadClaim end(ReadPosition position) {
    return new ReadClaim(
        position,
        new ReadPosition(
            Long.MAX_VALUE,
            position.index(),
            position.records(),
            position.lines(),
            position.valid(),
            position.quarantined(),
            position.discarded(),
            position.resumed()));
  }
}
