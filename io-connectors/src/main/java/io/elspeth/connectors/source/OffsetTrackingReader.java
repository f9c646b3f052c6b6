package io.elspeth.connectors.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Decodes text line by line and remembers the byte offset at which each line starts, so that a
 * record boundary found by a parser (always just after a line break) maps to the byte offset a
 * read can resume at. Only for charsets where a line break is the single byte {@code \n} or
 * {@code \r} and never part of another character ({@link #tracks}): UTF-8 and the single-byte
 * charsets. Malformed input decodes as U+FFFD, as {@link java.io.InputStreamReader} does, and the
 * offsets stay exact because each line is decoded on its own.
 */
final class OffsetTrackingReader extends Reader {
  private final InputStream in;
  private final CharsetDecoder decoder;
  private final byte[] buf = new byte[1 << 16];
  private int bufPos;
  private int bufLimit;
  private boolean eof;
  private byte[] line = new byte[256];
  private CharBuffer chars = CharBuffer.allocate(0);
  /** Byte offset of the next byte read from {@code in}. */
  private long byteOffset;
  /** Chars handed out (read) so far. */
  private long charPosition;
  /** Chars decoded so far (handed out or pending in {@code chars}). */
  private long charsDecoded;
  /** (char position, byte offset) of line starts not yet looked up, oldest first. */
  private final ArrayDeque<long[]> lineStarts = new ArrayDeque<>();

  OffsetTrackingReader(InputStream in, Charset charset, long startOffset) {
    this.in = in;
    this.decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE);
    this.byteOffset = startOffset;
    lineStarts.add(new long[] {0, startOffset});
  }

  /** Whether offsets can be tracked for text in {@code charset}. */
  static boolean tracks(Charset charset) {
    if (charset.equals(StandardCharsets.UTF_8)) {
      return true;
    }
    return charset.canEncode() && charset.newEncoder().maxBytesPerChar() == 1
        && Arrays.equals("\n\r".getBytes(charset), new byte[] {'\n', '\r'});
  }

  /** Chars read from this reader so far. */
  long charPosition() {
    return charPosition;
  }

  /**
   * The byte offset of the char at {@code position}, which must start a line (or the input) and
   * must not be before a position asked for earlier; {@link io.elspeth.connectors.split.ReadPosition#UNKNOWN}
   * when it does not start a line.
   */
  long byteOffsetAt(long position) {
    while (!lineStarts.isEmpty() && lineStarts.peekFirst()[0] < position) {
      lineStarts.pollFirst();
    }
    long[] first = lineStarts.peekFirst();
    return first != null && first[0] == position ? first[1] : -1;
  }

  /** The byte offset after everything read so far: the end of the input once it is exhausted. */
  long byteOffsetAtEnd() {
    return byteOffset;
  }

  @Override
  public int read(char[] cbuf, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!chars.hasRemaining() && !decodeLine()) {
      return -1;
    }
    int n = Math.min(len, chars.remaining());
    chars.get(cbuf, off, n);
    charPosition += n;
    return n;
  }

  @Override
  public int read() throws IOException {
    if (!chars.hasRemaining() && !decodeLine()) {
      return -1;
    }
    charPosition++;
    return chars.get();
  }

  /** The next char without reading it, or -1 at the end. */
  int peek() throws IOException {
    if (!chars.hasRemaining() && !decodeLine()) {
      return -1;
    }
    return chars.get(chars.position());
  }

  /** Reads one line as {@link java.io.BufferedReader#readLine} does; null at the end. */
  String readLine() throws IOException {
    StringBuilder sb = new StringBuilder();
    int c = read();
    if (c < 0) {
      return null;
    }
    while (c >= 0 && c != '\n' && c != '\r') {
      sb.append((char) c);
      c = read();
    }
    if (c == '\r' && peek() == '\n') {
      read();
    }
    return sb.toString();
  }

  /** Decodes the bytes up to and including the next line break; false at the end of input. */
  private boolean decodeLine() throws IOException {
    int n = 0;
    boolean broke = false;
    while (!broke) {
      if (bufPos == bufLimit) {
        if (eof || !fill()) {
          break;
        }
      }
      int i = bufPos;
      while (i < bufLimit && buf[i] != '\n' && buf[i] != '\r') {
        i++;
      }
      if (i < bufLimit) {
        i++;
        broke = true;
      }
      int count = i - bufPos;
      if (n + count > line.length) {
        line = Arrays.copyOf(line, Math.max(line.length * 2, n + count));
      }
      System.arraycopy(buf, bufPos, line, n, count);
      n += count;
      bufPos = i;
    }
    if (n == 0) {
      return false;
    }
    int capacity = (int) Math.ceil(n * (double) decoder.maxCharsPerByte()) + 4;
    if (chars.capacity() < capacity) {
      chars = CharBuffer.allocate(capacity);
    }
    chars.clear();
    decoder.reset();
    ByteBuffer bytes = ByteBuffer.wrap(line, 0, n);
    CoderResult r = decoder.decode(bytes, chars, true);
    if (r.isError() || r.isOverflow()) {
      throw new IOException("cannot decode input at byte " + byteOffset + ": " + r);
    }
    decoder.flush(chars);
    chars.flip();
    byteOffset += n;
    charsDecoded += chars.remaining();
    if (broke) {
      lineStarts.addLast(new long[] {charsDecoded, byteOffset});
    }
    return chars.hasRemaining() || decodeLine();
  }

  private boolean fill() throws IOException {
    int r = in.read(buf, 0, buf.length);
    if (r < 0) {
      eof = true;
      return false;
    }
    bufPos = 0;
    bufLimit = r;
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
