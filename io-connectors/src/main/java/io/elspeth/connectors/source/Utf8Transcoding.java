package io.elspeth.connectors.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;

/**
 * Text in a charset whose line breaks or quotes are not single bytes (UTF-16, UTF-32, ...) as a
 * stream of UTF-8 bytes, decoded strictly: a byte sequence that is not valid in the charset fails
 * the read with its byte offset instead of being replaced, so nothing is altered silently.
 */
final class Utf8Transcoding extends InputStream {
  private final InputStream in;
  private final Charset charset;
  private final CharsetDecoder decoder;
  private final CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder();
  private final ByteBuffer raw = ByteBuffer.allocate(1 << 14);
  private final CharBuffer chars = CharBuffer.allocate(1 << 14);
  private final ByteBuffer out = ByteBuffer.allocate(1 << 16);
  private long consumed;
  private boolean eof;

  Utf8Transcoding(InputStream in, Charset charset) {
    this.in = in;
    this.charset = charset;
    this.decoder = QuarantinedBytes.strictDecoder(charset);
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
    if (eof && !raw.hasRemaining()) {
      return false;
    }
    raw.compact();
    int n = eof ? -1 : in.read(raw.array(), raw.position(), raw.remaining());
    if (n < 0) {
      eof = true;
    } else {
      raw.position(raw.position() + n);
    }
    raw.flip();
    int before = raw.position();
    CoderResult r = decoder.decode(raw, chars, eof);
    if (r.isError()) {
      throw new IOException("bytes not valid " + charset.name() + " at byte "
          + (consumed + raw.position() - before) + " of the input");
    }
    if (eof && !raw.hasRemaining()) {
      decoder.flush(chars);
    }
    consumed += raw.position() - before;
    chars.flip();
    out.clear();
    encoder.encode(chars, out, false);
    chars.compact();
    out.flip();
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
