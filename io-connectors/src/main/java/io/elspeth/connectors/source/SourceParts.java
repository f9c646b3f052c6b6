package io.elspeth.connectors.source;

import io.elspeth.connectors.split.ReadPosition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The first pass of a read in parts: finds where parts of an input may start by reading it with the
 * reader the read itself uses, so a part starts exactly where that reader would be after the
 * records before it (a CSV quoted field may hold newlines, a record may be malformed or over a size
 * limit: no scan by seeking could find these boundaries, the reader finds them by construction).
 * Nothing is validated beyond whether a record takes a row index, and nothing is hashed or stored.
 *
 * <p>A part starts every {@code recordsPerPart} records or {@code bytesPerPart} bytes, whichever
 * comes first, at a position carrying what the reader needs to resume there (the byte offset, the
 * index the next row takes, the reader's record and line counts; a CSV reader reads the header
 * again from the start of the input) and zero tallies: each part counts only its own rows.
 */
final class SourceParts {
  private SourceParts() {}

  /**
   * The start of every part of {@code input}, the first at its start. The pass ends early, with the
   * parts found so far, when the reader cannot tell byte offsets (a JSON document, a multi-byte
   * encoding: the read stays whole) or when reading fails: the part that holds the failure is then
   * read as it would be in one piece, and fails there the same way.
   *
   * @param takesIndex whether a record takes a row index (not one that is discarded)
   */
  static List<ReadPosition> starts(
      RecordReader reader,
      RecordReader.Input input,
      Predicate<ParsedRecord> takesIndex,
      long recordsPerPart,
      long bytesPerPart) {
    ReadPosition first = ReadPosition.start(0);
    List<ReadPosition> starts = new ArrayList<>();
    starts.add(first);
    try (RecordCursor cursor = reader.open(input, first)) {
      ReadPosition partStart = first;
      ReadPosition position = first;
      long inPart = 0;
      ParsedRecord rec;
      while ((rec = cursor.next()) != null) {
        // A record follows: a part may start here (never at the end of the input).
        if (inPart >= recordsPerPart || position.offset() - partStart.offset() >= bytesPerPart) {
          starts.add(position);
          partStart = position;
          inPart = 0;
        }
        ReadPosition next = cursor.after(position);
        if (!next.isKnown()) {
          return List.of(first);
        }
        position =
            new ReadPosition(
                next.offset(),
                takesIndex.test(rec) ? next.index() + 1 : next.index(),
                next.records(),
                next.lines(),
                0,
                0,
                0,
                0);
        inPart++;
      }
    } catch (IOException | RuntimeException e) {
      // The read of the part that holds the failure meets it again and records it.
    }
    return starts;
  }
}
