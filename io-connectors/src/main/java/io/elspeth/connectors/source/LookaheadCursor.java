package io.elspeth.connectors.source;

import io.elspeth.connectors.split.ReadPosition;
import java.io.IOException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A cursor that parses one record ahead of the one it returned, so the start of the next record
 * (the position after the current one) is known when the current one is handed out.
 */
abstract class LookaheadCursor implements RecordCursor {
  /** A parsed record with the reader's position at its start; a null record is the end. */
  record Item(@Nullable ParsedRecord record, long offset, long records, long lines) {}

  private @Nullable Item ahead;
  private boolean started;

  /** Parses the next record (or the end) with the position where it starts. */
  abstract Item fetch() throws IOException;

  @Override
  public final @Nullable ParsedRecord next() throws IOException {
    if (!started) {
      ahead = fetch();
      started = true;
    }
    ParsedRecord current = ahead == null ? null : ahead.record();
    if (current != null) {
      ahead = fetch();
    }
    return current;
  }

  @Override
  public final ReadPosition after(ReadPosition position) {
    if (ahead == null) {
      throw new IllegalStateException("after() before next()");
    }
    return position.atOffset(ahead.offset(), ahead.records(), ahead.lines());
  }
}
