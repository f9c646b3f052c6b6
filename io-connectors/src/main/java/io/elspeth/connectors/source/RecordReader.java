package io.elspeth.connectors.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Map;
import java.util.function.Consumer;

/** Parses one source file into records, streaming, in file order. */
public interface RecordReader extends Serializable {

  /**
   * Reads every record of {@code in}, handing each to {@code out}, and returns the resolution of
   * original field names to the names used in rows (empty when names were not changed).
   */
  Map<String, String> read(InputStream in, Consumer<ParsedRecord> out) throws IOException;

  /** Whether values are text to be coerced to the schema's types (CSV) or typed already (JSON). */
  boolean textValues();
}
