package io.elspeth.connectors.source;

import io.elspeth.connectors.split.ReadPosition;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Map;
import java.util.function.Consumer;

/** Parses one source file into records, streaming, in file order. */
public interface RecordReader extends Serializable {

  /** Opens the input being read at a byte offset. */
  interface Input {
    InputStream openAt(long offset) throws IOException;

    /** Whether {@link #openAt} works at any offset (false: the input can be read only once). */
    default boolean reopenable() {
      return true;
    }
  }

  /**
   * Opens a cursor over the records of {@code input} from {@code from}: the start of the input
   * ({@link ReadPosition#start}) or a position a cursor of this reader reported with a known
   * offset.
   */
  RecordCursor open(Input input, ReadPosition from) throws IOException;

  /**
   * Reads every record of {@code in}, handing each to {@code out}, and returns the resolution of
   * original field names to the names used in rows (empty when names were not changed).
   */
  default Map<String, String> read(InputStream in, Consumer<ParsedRecord> out) throws IOException {
    Input once =
        new Input() {
          @Override
          public InputStream openAt(long offset) throws IOException {
            if (offset != 0) {
              throw new IOException("this input can only be read from its start");
            }
            return in;
          }

          @Override
          public boolean reopenable() {
            return false;
          }
        };
    try (RecordCursor cursor = open(once, ReadPosition.start(0))) {
      ParsedRecord rec;
      while ((rec = cursor.next()) != null) {
        out.accept(rec);
      }
      return cursor.resolution();
    }
  }

  /** Whether values are text to be coerced to the schema's types (CSV) or typed already (JSON). */
  boolean textValues();
}
