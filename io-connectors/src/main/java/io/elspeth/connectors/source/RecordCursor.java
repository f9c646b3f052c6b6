package io.elspeth.connectors.source;

import io.elspeth.connectors.split.ReadPosition;
import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Records of one input in order, from a position a read can resume at. After each {@link #next()}
 * the cursor knows where the following record starts ({@link #after}), so a splittable read can be
 * checkpointed between any two records.
 */
public interface RecordCursor extends Closeable {
  /** The next record, or null at the end of the input. */
  @Nullable ParsedRecord next() throws IOException;

  /**
   * {@code position} moved to just after the record last returned by {@link #next()} (the start of
   * the next one): the byte offset ({@link ReadPosition#UNKNOWN} when the reader cannot tell) and
   * the reader's record and line counts there; the row counts are left as they are.
   */
  ReadPosition after(ReadPosition position);

  /** The resolution of original field names to the names used in rows (empty if unchanged). */
  Map<String, String> resolution();
}
