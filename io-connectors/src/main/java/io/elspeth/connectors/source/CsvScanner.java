package io.elspeth.connectors.source;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Splits CSV input into records at the byte level, before anything is decoded, so each record keeps
 * its exact bytes, its byte range and the physical lines it covers. The grammar is the one Apache
 * Commons CSV's default format reads: a field that starts with {@code "} is quoted ( {@code ""}
 * inside is a quote, line breaks are part of the value, only whitespace may follow the closing
 * quote); other fields run to the delimiter or the line end; CR, LF and CRLF end a line; empty
 * lines are skipped. It needs the delimiter, the quote and CR/LF to be single bytes that are never
 * part of another character: true of UTF-8 and ASCII-compatible single-byte charsets.
 *
 * <p>Recovery, so that no byte is lost to a broken quote: a record whose quoting is broken (a quote
 * left open to the end of the input, or text after a closing quote) becomes one bad record made of
 * <em>its first physical line</em>, and scanning starts again at the next line. The lines after it
 * are read as records again, so a stray quote costs one line, never the rest of the file. Every
 * byte of the input is in exactly one record, a skipped empty line, a line break ending a record,
 * or the header/skipped lines before the first record.
 *
 * <p>At most {@code maxRowBytes} bytes of a record are held; a longer one is scanned to its end
 * with its SHA-256 computed on the way and reported as oversized with its first bytes.
 */
final class CsvScanner implements Closeable {
  private static final int BUFFER = 1 << 16;
  private static final int QUOTE = '"';

  /**
   * One record as it is in the input: {@code bytes[0, held)} are its first bytes (all of them when
   * {@code sha256} is null), {@code size} its length, from {@code start} (inclusive) to {@code end}
   * (exclusive, before the line break ending it).
   *
   * @param problem why the record cannot be a row (broken quoting, a limit), or null
   */
  record Scanned(
      long start,
      long end,
      long firstLine,
      long lastLine,
      byte[] bytes,
      int held,
      long size,
      @Nullable String sha256,
      @Nullable String problem) {
    boolean complete() {
      return sha256 == null;
    }

    String location() {
      return firstLine == lastLine ? "line " + firstLine : "lines " + firstLine + "-" + lastLine;
    }
  }

  private final int delimiter;
  private final long maxFieldBytes;
  private final int maxRowBytes;
  private final RecordReader.@Nullable Input reopen;
  private InputStream in;
  private byte[] buf = new byte[BUFFER];
  private int pos;
  private int limit;
  private boolean eof;

  /** Byte offset of buf[pos] in the input. */
  private long offset;

  /** Line breaks consumed so far: the next byte is on line {@code lines + 1}. */
  private long lines;

  // The record being scanned.
  private byte[] rec = new byte[1024];
  private int held;
  private long size;
  private @Nullable MessageDigest digest;
  private long firstLineSize;
  private long secondLineOffset;
  private @Nullable MessageDigest firstLineDigest;

  /**
   * @param in the input, positioned at byte {@code offset}, which is on line {@code lines + 1}
   * @param reopen opens the input again at an offset, to re-read after a broken record too large to
   *     hold; null when the input can be read only once
   */
  CsvScanner(
      InputStream in,
      long offset,
      long lines,
      byte delimiter,
      long maxFieldBytes,
      long maxRowBytes,
      RecordReader.@Nullable Input reopen) {
    this.in = in;
    this.offset = offset;
    this.lines = lines;
    this.delimiter = delimiter & 0xFF;
    this.maxFieldBytes = maxFieldBytes;
    this.maxRowBytes = (int) Math.min(maxRowBytes, Integer.MAX_VALUE - 16);
    this.reopen = reopen;
  }

  /** Byte offset of the next byte. */
  long offset() {
    return offset;
  }

  /** Physical lines consumed so far. */
  long lines() {
    return lines;
  }

  /** Skips {@code prefix} if the input starts with it here (a byte order mark). */
  void skipPrefix(byte[] prefix) throws IOException {
    while (limit - pos < prefix.length && !eof) {
      if (!fill(true)) {
        break;
      }
    }
    if (limit - pos >= prefix.length
        && Arrays.equals(buf, pos, pos + prefix.length, prefix, 0, prefix.length)) {
      pos += prefix.length;
      offset += prefix.length;
    }
  }

  /** Skips one physical line; false at the end of the input. */
  boolean skipLine() throws IOException {
    int b = peek();
    if (b < 0) {
      return false;
    }
    while (b >= 0 && b != '\r' && b != '\n') {
      advance();
      b = peek();
    }
    skipLineBreak();
    return true;
  }

  /** The next record, or null at the end of the input. */
  @Nullable Scanned next() throws IOException {
    int b = peek();
    while (b == '\r' || b == '\n') {
      skipLineBreak();
      b = peek();
    }
    if (b < 0) {
      return null;
    }
    long start = offset;
    long firstLine = lines + 1;
    held = 0;
    size = 0;
    digest = null;
    firstLineSize = -1;
    firstLineDigest = null;
    String broken = null;
    String oversized = null;
    int field = 0;
    fields:
    while (true) {
      long fieldStart = size;
      b = peek();
      if (b == QUOTE) {
        take();
        while (true) {
          b = peek();
          if (b < 0) {
            broken =
                "unclosed quote: a quoted value of the record starting on line "
                    + firstLine
                    + " runs to the end of the input";
            break fields;
          }
          if (b == '\r' || b == '\n') {
            lineBreakInside(b);
            continue;
          }
          take();
          if (b == QUOTE) {
            if (peek() != QUOTE) {
              break;
            }
            take();
          }
        }
        while (true) {
          b = peek();
          if (b == delimiter || b < 0 || b == '\r' || b == '\n') {
            break;
          }
          if (!isSpace(b)) {
            broken =
                "text after the closing quote of field "
                    + (field + 1)
                    + " on line "
                    + (lines + 1)
                    + " (a stray quote?)";
            break fields;
          }
          take();
        }
      } else {
        while (b != delimiter && b >= 0 && b != '\r' && b != '\n') {
          take();
          b = peek();
        }
      }
      if (oversized == null && size - fieldStart > maxFieldBytes) {
        oversized =
            "field "
                + (field + 1)
                + " is "
                + (size - fieldStart)
                + " bytes, over max_field_bytes ("
                + maxFieldBytes
                + ")";
      }
      if (b != delimiter) {
        break;
      }
      take();
      field++;
    }
    if (broken != null) {
      return recover(start, firstLine, broken);
    }
    long end = offset;
    long lastLine = lines + 1;
    skipLineBreak();
    if (size > maxRowBytes) {
      oversized =
          "record is "
              + size
              + " bytes, over max_row_bytes ("
              + maxRowBytes
              + ")"
              + (oversized == null ? "" : "; " + oversized);
    }
    if (oversized != null) {
      return new Scanned(start, end, firstLine, lastLine, rec, held, size, sha256(), oversized);
    }
    return new Scanned(start, end, firstLine, lastLine, rec, held, size, null, null);
  }

  /**
   * A record with broken quoting: its first physical line is the bad record, and the next scan
   * starts at the line after it, re-reading what this scan consumed beyond that line.
   */
  private Scanned recover(long start, long firstLine, String broken) throws IOException {
    String problem =
        broken
            + "; line "
            + firstLine
            + " is quarantined and reading resumes at line "
            + (firstLine + 1);
    if (firstLineSize < 0) {
      // The error is on the record's first line: the bad record is that whole line.
      int b = peek();
      while (b >= 0 && b != '\r' && b != '\n') {
        take();
        b = peek();
      }
      long end = offset;
      skipLineBreak();
      return new Scanned(
          start,
          end,
          firstLine,
          firstLine,
          rec,
          held,
          size,
          size > maxRowBytes ? sha256() : null,
          problem);
    }
    long lineSize = firstLineSize;
    if (size <= maxRowBytes) {
      // Everything consumed is held: put back what follows the first line.
      int from = (int) (secondLineOffset - start);
      byte[] unread = new byte[held - from + (limit - pos)];
      System.arraycopy(rec, from, unread, 0, held - from);
      System.arraycopy(buf, pos, unread, held - from, limit - pos);
      buf = unread;
      pos = 0;
      limit = unread.length;
    } else if (reopen != null) {
      in.close();
      in = reopen.openAt(secondLineOffset);
      pos = 0;
      limit = 0;
      eof = false;
    } else {
      // Too large to hold and the input cannot be read again: the bad record is all of it.
      int b = peek();
      while (b >= 0 && b != '\r' && b != '\n') {
        take();
        b = peek();
      }
      long end = offset;
      long lastLine = lines + 1;
      skipLineBreak();
      return new Scanned(
          start,
          end,
          firstLine,
          lastLine,
          rec,
          held,
          size,
          sha256(),
          broken
              + "; the record is too large to re-read (over max_row_bytes) and is quarantined whole");
    }
    offset = secondLineOffset;
    lines = firstLine;
    String sha = null;
    if (lineSize > maxRowBytes) {
      sha =
          HexFormat.of()
              .formatHex(
                  Objects.requireNonNull(
                          firstLineDigest, "a first line over max_row_bytes is hashed")
                      .digest());
    }
    return new Scanned(
        start,
        start + lineSize,
        firstLine,
        firstLine,
        rec,
        (int) Math.min(held, lineSize),
        lineSize,
        sha,
        problem);
  }

  /** A line break inside a quoted value: part of the record. */
  private void lineBreakInside(int b) throws IOException {
    boolean first = firstLineSize < 0;
    if (first) {
      firstLineSize = size;
      if (digest != null) {
        firstLineDigest = cloneOf(digest);
      }
    }
    take();
    if (b == '\r' && peek() == '\n') {
      take();
    }
    lines++;
    if (first) {
      secondLineOffset = offset;
    }
  }

  private void skipLineBreak() throws IOException {
    int b = peek();
    if (b == '\r') {
      advance();
      if (peek() == '\n') {
        advance();
      }
      lines++;
    } else if (b == '\n') {
      advance();
      lines++;
    }
  }

  private static boolean isSpace(int b) {
    // ASCII whitespace as Character.isWhitespace sees it, line breaks excluded.
    return b == ' ' || b == '\t' || b == 0x0B || b == 0x0C || (b >= 0x1C && b <= 0x1F);
  }

  private int peek() throws IOException {
    if (pos == limit && !fill(false)) {
      return -1;
    }
    return buf[pos] & 0xFF;
  }

  private void advance() {
    pos++;
    offset++;
  }

  /** Consumes the byte peek() returned into the record. */
  private void take() {
    byte b = buf[pos++];
    offset++;
    size++;
    if (size <= maxRowBytes) {
      if (held == rec.length) {
        rec = Arrays.copyOf(rec, (int) Math.min((long) rec.length * 2, maxRowBytes));
      }
      rec[held++] = b;
      return;
    }
    if (digest == null) {
      digest = newDigest();
      digest.update(rec, 0, held);
    }
    digest.update(b);
  }

  private String sha256() {
    if (digest == null) {
      MessageDigest d = newDigest();
      d.update(rec, 0, held);
      return HexFormat.of().formatHex(d.digest());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Reads more input; {@code keep}: keep the unread bytes (to look at several at once). */
  private boolean fill(boolean keep) throws IOException {
    if (eof) {
      return false;
    }
    if (keep && pos < limit) {
      System.arraycopy(buf, pos, buf, 0, limit - pos);
      limit -= pos;
      pos = 0;
    } else {
      if (buf.length != BUFFER) {
        buf = new byte[BUFFER];
      }
      pos = 0;
      limit = 0;
    }
    int n = in.read(buf, limit, buf.length - limit);
    if (n < 0) {
      eof = true;
      return false;
    }
    limit += n;
    return true;
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }

  private static MessageDigest cloneOf(MessageDigest d) {
    try {
      return (MessageDigest) d.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the platform's SHA-256 digest must be cloneable", e);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
