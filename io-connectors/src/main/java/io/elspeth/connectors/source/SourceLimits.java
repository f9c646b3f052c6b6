package io.elspeth.connectors.source;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The size contract of a source: no field over {@code maxFieldBytes} and no record over {@code
 * maxRowBytes} (both counted in the bytes of the input) passes the source; a larger record is
 * quarantined with an excerpt, its size and its SHA-256.
 *
 * <p>The ceiling {@link #CEILING} keeps every string a row can put on the path under the
 * 20,000,000-char limit of Jackson's {@code StreamReadConstraints}, which the Landscape, payload
 * store, coders and sinks all parse with: a field value, a quarantined record's text (at most
 * {@code maxRowBytes} chars) and its base64 (4/3 of that: 16,777,216 chars at the ceiling).
 */
public record SourceLimits(long maxFieldBytes, long maxRowBytes) implements Serializable {
  /** 12 MiB: the largest limit whose base64 rendering stays under Jackson's 20,000,000 chars. */
  public static final long CEILING = 12L << 20;

  /** 10 MiB per field, 12 MiB per record. */
  public static final SourceLimits DEFAULT = new SourceLimits(10L << 20, CEILING);

  public SourceLimits {
    List<String> problems = problems(maxFieldBytes, maxRowBytes);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  /** What is wrong with a pair of limits, named by their option keys; empty when valid. */
  public static List<String> problems(long maxFieldBytes, long maxRowBytes) {
    List<String> problems = new ArrayList<>();
    if (maxFieldBytes < 1 || maxFieldBytes > CEILING) {
      problems.add("max_field_bytes: expected 1 to " + CEILING + " (12 MiB), got " + maxFieldBytes);
    }
    if (maxRowBytes < 1 || maxRowBytes > CEILING) {
      problems.add("max_row_bytes: expected 1 to " + CEILING + " (12 MiB), got " + maxRowBytes);
    }
    return problems;
  }
}
