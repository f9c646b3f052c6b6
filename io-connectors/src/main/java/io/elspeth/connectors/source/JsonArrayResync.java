package io.elspeth.connectors.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Finds where a broken element of a JSON array ends, so the array can be read on from the next
 * element. From the end of the last good element it skips the separating comma, then follows the
 * element's structure (strings with their escapes, nested brackets) to the first comma or closing
 * bracket outside any string and bracket. It gives up, so the read fails as before, whenever the
 * boundary is not certain: the input ends inside a string or bracket (a stray quote makes the rest
 * of the file one string), a closing bracket does not match the open one, or the element is over
 * the row limit.
 */
final class JsonArrayResync {
  private JsonArrayResync() {}

  /**
   * A broken element: its bytes (without surrounding whitespace), where it starts, and whether the
   * array ended right after it ({@code ]}) or goes on after a comma. The stream the scan read is
   * left just after that comma or bracket; {@code after*} is that position.
   */
  record Element(
      byte[] bytes,
      long start,
      int line,
      int column,
      boolean arrayEnded,
      long after,
      int afterLine,
      int afterColumn) {}

  /**
   * Scans {@code in} (positioned at absolute {@code offset}, line and column) for the element after
   * the last good one; {@code afterElement} says whether a comma separates them.
   *
   * @return the element, or null when its end is not certain
   */
  static @Nullable Element scan(
      InputStream in, long offset, int line, int column, boolean afterElement, long maxBytes)
      throws IOException {
    Position at = new Position(offset, line, column);
    int b = skipWhitespace(in, at);
    if (afterElement && b == ',') {
      b = next(in, at);
      b = skipWhitespaceFrom(b, in, at);
    }
    long start = at.offset - (b < 0 ? 0 : 1);
    int startLine = at.line;
    int startColumn = at.column - 1;
    ByteArrayOutputStream element = new ByteArrayOutputStream();
    StringBuilder open = new StringBuilder();
    boolean inString = false;
    boolean escaped = false;
    while (b >= 0) {
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (b == '\\') {
          escaped = true;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
      } else if (b == '{' || b == '[') {
        open.append((char) b);
      } else if (b == '}' || b == ']') {
        if (open.length() == 0) {
          if (b == '}') {
            return null;
          }
          return element(element, start, startLine, startColumn, true, at);
        }
        char top = open.charAt(open.length() - 1);
        if ((b == '}') != (top == '{')) {
          return null;
        }
        open.setLength(open.length() - 1);
      } else if (b == ',' && open.length() == 0) {
        return element(element, start, startLine, startColumn, false, at);
      }
      element.write(b);
      if (element.size() > maxBytes) {
        return null;
      }
      b = next(in, at);
    }
    return null;
  }

  private static Element element(
      ByteArrayOutputStream element,
      long start,
      int line,
      int column,
      boolean arrayEnded,
      Position at) {
    byte[] bytes = element.toByteArray();
    int end = bytes.length;
    while (end > 0 && isWhitespace(bytes[end - 1])) {
      end--;
    }
    return new Element(
        java.util.Arrays.copyOf(bytes, end),
        start,
        line,
        column,
        arrayEnded,
        at.offset,
        at.line,
        at.column);
  }

  /** Where the scan is: the offset, line and column of the next byte. */
  private static final class Position {
    long offset;
    int line;
    int column;

    Position(long offset, int line, int column) {
      this.offset = offset;
      this.line = line;
      this.column = column;
    }
  }

  private static int next(InputStream in, Position at) throws IOException {
    int b = in.read();
    if (b < 0) {
      return b;
    }
    at.offset++;
    if (b == '\n') {
      at.line++;
      at.column = 1;
    } else {
      at.column++;
    }
    return b;
  }

  private static int skipWhitespace(InputStream in, Position at) throws IOException {
    return skipWhitespaceFrom(next(in, at), in, at);
  }

  private static int skipWhitespaceFrom(int b, InputStream in, Position at) throws IOException {
    while (b >= 0 && isWhitespace((byte) b)) {
      b = next(in, at);
    }
    return b;
  }

  private static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
  }
}
