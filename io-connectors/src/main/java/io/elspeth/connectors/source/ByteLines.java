package io.elspeth.connectors.source;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The physical lines of an input as bytes (ended by LF, CR or CRLF, not included), each with its
 * byte offset, so a line-based reader (JSON Lines) keeps the exact bytes of every line. At most
 * {@code maxLineBytes} bytes of a line are held; a longer one is read to its end with its SHA-256
 * computed on the way.
 */
final class ByteLines implements Closeable {
  /** One line: {@code bytes[0, held)} are all of it when {@code sha256} is null. */
  record Line(long start, long number, byte[] bytes, int held, long size, @Nullable String sha256) {
    boolean complete() {
      return sha256 == null;
    }
  }

  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private boolean eof;
  private long offset;
  private long lines;
  private byte[] line = new byte[256];

  ByteLines(InputStream in, long offset, long lines, long maxLineBytes) {
    this.in = in;
    this.offset = offset;
    this.lines = lines;
    this.maxLineBytes = (int) Math.min(maxLineBytes, Integer.MAX_VALUE - 16);
  }

  long offset() {
    return offset;
  }

  long lines() {
    return lines;
  }

  /** The next line, or null at the end of the input. */
  @Nullable Line next() throws IOException {
    if (pos == limit && !fill()) {
      return null;
    }
    long start = offset;
    int held = 0;
    long size = 0;
    MessageDigest digest = null;
    while (true) {
      if (pos == limit && !fill()) {
        break;
      }
      int i = pos;
      while (i < limit && buf[i] != '\n' && buf[i] != '\r') {
        i++;
      }
      int n = i - pos;
      long keep = Math.max(0, Math.min(n, maxLineBytes - size));
      if (keep > 0) {
        if (held + keep > line.length) {
          line =
              Arrays.copyOf(
                  line, (int) Math.min(Math.max(line.length * 2L, held + keep), maxLineBytes));
        }
        System.arraycopy(buf, pos, line, held, (int) keep);
        held += (int) keep;
      }
      if (size + n > maxLineBytes) {
        if (digest == null) {
          digest = sha256();
          digest.update(line, 0, held - (int) keep);
        }
        digest.update(buf, pos, n);
      }
      size += n;
      offset += n;
      pos = i;
      if (i < limit) {
        break;
      }
    }
    // The line break, if any: CRLF counts as one.
    if (pos < limit || fill()) {
      byte b = buf[pos];
      if (b == '\r' || b == '\n') {
        pos++;
        offset++;
        if (b == '\r' && (pos < limit || fill()) && buf[pos] == '\n') {
          pos++;
          offset++;
        }
      }
    }
    lines++;
    String sha = digest == null ? null : HexFormat.of().formatHex(digest.digest());
    return new Line(start, lines, line, held, size, sha);
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n = in.read(buf, 0, buf.length);
    if (n < 0) {
      eof = true;
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
