package io.elspeth.audit.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Record values in PostgreSQL's COPY text format: columns separated by a tab, rows ended by a
 * newline, NULL as {@code \N}, backslash, tab, newline and carriage return escaped; timestamps as
 * ISO-8601 UTC to the microsecond (what {@link SqlValues#bind} binds on PostgreSQL).
 */
public final class CopyText {
  private CopyText() {}

  /** Appends one row of values, in column order. */
  public static void appendRow(StringBuilder out, Iterable<?> values) {
    boolean first = true;
    for (Object v : values) {
      if (!first) {
        out.append('\t');
      }
      first = false;
      appendValue(out, v);
    }
    out.append('\n');
  }

  private static void appendValue(StringBuilder out, @Nullable Object v) {
    if (v == null) {
      out.append("\\N");
    } else if (v instanceof Instant instant) {
      out.append(instant.truncatedTo(ChronoUnit.MICROS));
    } else if (v instanceof Number || v instanceof Boolean) {
      out.append(v);
    } else {
      String s = v.toString();
      for (int i = 0; i < s.length(); i++) {
        char ch = s.charAt(i);
        switch (ch) {
          case '\\' -> out.append("\\\\");
          case '\t' -> out.append("\\t");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          default -> out.append(ch);
        }
      }
    }
  }
}
