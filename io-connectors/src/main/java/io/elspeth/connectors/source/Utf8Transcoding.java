package io.elspeth.connectors.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Text in a charset whose line breaks or quotes are not single bytes (UTF-16, UTF-32, ...) as a
 * stream of UTF-8 bytes, decoded strictly, so nothing is altered silently.
 *
 * <p>In the UTF-16 and UTF-32 families a byte sequence that is not valid in the charset becomes one
 * {@code 0xFF} byte in the stream (never valid UTF-8, so the record holding it is quarantined) and
 * is remembered with its input offset; {@link #original} gives the record's exact input bytes back
 * (its text re-encoded, which these charsets do one way only, and the bad sequences as they were)
 * and the first bad sequence. In other charsets (whose encodings need not be unique) a bad sequence
 * fails the read with its byte offset.
 */
final class Utf8Transcoding extends InputStream {
  /** What stands for a bad input sequence in the UTF-8 stream. */
  static final byte MARK = (byte) 0xFF;

  /** One invalid input sequence, where it is in the input and in the UTF-8 stream. */
  record BadSequence(long outOffset, long inOffset, byte[] bytes) {}

  /** A record's input bytes and its first invalid sequence. */
  record Original(byte[] bytes, BadSequence first) {
    /** As quarantine keeps it: a rendering and the exact input bytes. */
    java.util.Map<String, Object> raw(Charset charset) {
      return QuarantinedBytes.undecodable(bytes, bytes.length, charset);
    }

    /** The reason: the first bad sequence and its input offset. */
    String problem(Charset charset) {
      return "bytes not valid "
          + charset.name()
          + ": 0x"
          + java.util.HexFormat.of().withUpperCase().formatHex(first.bytes())
          + " at byte "
          + first.inOffset()
          + " of the input";
    }
  }

  private final InputStream in;
  private final Charset charset;
  private final CharsetDecoder decoder;
  private final CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder();
  private final ByteBuffer raw = ByteBuffer.allocate(1 << 14);
  private final CharBuffer chars = CharBuffer.allocate(1 << 14);
  private final ByteBuffer out = ByteBuffer.allocate(1 << 16);

  /** Null when a bad sequence fails the read (charsets outside the UTF-16/32 families). */
  private final @Nullable ArrayDeque<BadSequence> bad;

  private @Nullable Charset reencoding;

  /** Bytes per code unit: 2 for UTF-16, 4 for UTF-32. */
  private final int unit;

  private long consumed;

  /** UTF-8 bytes handed out before the current contents of {@code out}. */
  private long emitted;

  private boolean eof;
  private boolean flushed;

  Utf8Transcoding(InputStream in, Charset charset) {
    this.in = in;
    this.charset = charset;
    this.decoder = QuarantinedBytes.strictDecoder(charset);
    String name = charset.name().toUpperCase(Locale.ROOT);
    this.bad = name.startsWith("UTF-16") || name.startsWith("UTF-32") ? new ArrayDeque<>() : null;
    this.unit = name.startsWith("UTF-32") ? 4 : 2;
    if (name.endsWith("BE") || name.endsWith("LE")) {
      reencoding = charset;
    }
    raw.flip();
    out.flip();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    while (!out.hasRemaining()) {
      if (!refill()) {
        return -1;
      }
    }
    int n = Math.min(len, out.remaining());
    out.get(b, off, n);
    return n;
  }

  private boolean refill() throws IOException {
    emitted += out.limit();
    out.clear();
    if (eof && !raw.hasRemaining()) {
      if (!flushed) {
        flushed = true;
        decoder.flush(chars);
        chars.flip();
        encoder.encode(chars, out, true);
        chars.compact();
      }
      out.flip();
      return out.hasRemaining();
    }
    raw.compact();
    if (consumed == 0 && raw.position() == 0 && reencoding == null && bad != null) {
      detectByteOrder();
    }
    int n = eof ? -1 : in.read(raw.array(), raw.position(), raw.remaining());
    if (n < 0) {
      eof = true;
    } else {
      raw.position(raw.position() + n);
    }
    raw.flip();
    int before = raw.position();
    CoderResult r = decoder.decode(raw, chars, eof);
    consumed += raw.position() - before;
    chars.flip();
    encoder.encode(chars, out, false);
    chars.compact();
    if (r.isError()) {
      if (bad == null) {
        throw new IOException(
            "bytes not valid " + charset.name() + " at byte " + consumed + " of the input");
      }
      // One code unit at most: Java's UTF-16 decoder reports a high surrogate with the unit
      // after it, which may be a line break that must stay one.
      byte[] sequence = new byte[Math.min(r.length(), unit)];
      raw.get(sequence);
      bad.add(new BadSequence(emitted + out.position(), consumed, sequence));
      consumed += sequence.length;
      out.put(MARK);
    }
    out.flip();
    return true;
  }

  /**
   * The byte order the unmarked UTF-16 and UTF-32 decoders take from a byte order mark (big endian
   * without one), to re-encode text exactly as it was.
   */
  private void detectByteOrder() throws IOException {
    String name = charset.name().toUpperCase(Locale.ROOT);
    boolean utf32 = name.startsWith("UTF-32");
    byte[] head = in.readNBytes(utf32 ? 4 : 2);
    boolean little =
        utf32
            ? head.length == 4
                && (head[0] & 0xFF) == 0xFF
                && (head[1] & 0xFF) == 0xFE
                && head[2] == 0
                && head[3] == 0
            : head.length == 2 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFE;
    reencoding = Charset.forName((utf32 ? "UTF-32" : "UTF-16") + (little ? "LE" : "BE"));
    raw.put(head);
  }

  /**
   * The input bytes of the record whose UTF-8 bytes are {@code bytes[0, length)}, starting at
   * {@code outStart} of this stream, and its first bad sequence; empty when it holds none (or bad
   * sequences fail the read). Sequences before {@code outStart} are forgotten.
   */
  java.util.Optional<Original> original(long outStart, byte[] bytes, int length) {
    if (bad == null) {
      return java.util.Optional.empty();
    }
    while (!bad.isEmpty() && bad.peekFirst().outOffset() < outStart) {
      bad.pollFirst();
    }
    ByteArrayOutputStream original = new ByteArrayOutputStream(length * 2);
    BadSequence first = null;
    int from = 0;
    for (int i = 0; i < length; i++) {
      if (bytes[i] != MARK || bad.isEmpty() || bad.peekFirst().outOffset() != outStart + i) {
        continue;
      }
      BadSequence b = bad.pollFirst();
      reencode(bytes, from, i, original);
      original.writeBytes(b.bytes());
      if (first == null) {
        first = b;
      }
      from = i + 1;
    }
    if (first == null) {
      return java.util.Optional.empty();
    }
    reencode(bytes, from, length, original);
    return java.util.Optional.of(new Original(original.toByteArray(), first));
  }

  private void reencode(byte[] utf8, int from, int to, ByteArrayOutputStream into) {
    if (to > from) {
      into.writeBytes(
          new String(utf8, from, to - from, StandardCharsets.UTF_8)
              .getBytes(reencoding == null ? charset : reencoding));
    }
  }

  Charset charset() {
    return charset;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
