package io.elspeth.connectors.source;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The raw data of a record that could not become a row, in the shape quarantine keeps it: {@code
 * _raw} is always a readable rendering; bytes that are not text in the declared encoding are kept
 * exactly as {@code _raw_base64}; a record over a size limit keeps an excerpt with its size ({@code
 * _raw_bytes}) and SHA-256 ({@code _raw_sha256}), so quarantine cannot blow up.
 */
final class QuarantinedBytes {
  /** Bytes of an oversized record kept as its readable excerpt. */
  static final int EXCERPT_BYTES = 64 << 10;

  private QuarantinedBytes() {}

  /** A record whose text is exact. */
  static Map<String, Object> verbatim(String text) {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("_raw", text);
    return raw;
  }

  /** A record whose bytes are not valid in {@code charset}: a rendering and the exact bytes. */
  static Map<String, Object> undecodable(byte[] bytes, int length, Charset charset) {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("_raw", lossy(bytes, length, charset));
    raw.put(
        "_raw_base64",
        Base64.getEncoder()
            .encodeToString(
                length == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, length)));
    return raw;
  }

  /** A record too large to keep: the start of it, its size and SHA-256. */
  static Map<String, Object> cut(
      byte[] head, int headLength, long size, String sha256, Charset charset) {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("_raw", lossy(head, Math.min(headLength, EXCERPT_BYTES), charset));
    raw.put("_raw_bytes", size);
    raw.put("_raw_sha256", sha256);
    raw.put("_raw_truncated", true);
    return raw;
  }

  /** {@code bytes} decoded strictly, or null when they are not valid in the decoder's charset. */
  static @Nullable String strict(CharsetDecoder decoder, byte[] bytes, int length) {
    try {
      return decoder.reset().decode(ByteBuffer.wrap(bytes, 0, length)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** A decoder that reports bad bytes instead of replacing them. */
  static CharsetDecoder strictDecoder(Charset charset) {
    return charset
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  /** Index of the first byte that is not valid in {@code charset} (length when all are). */
  static int firstInvalid(byte[] bytes, int length, Charset charset) {
    CharsetDecoder decoder = strictDecoder(charset);
    ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
    java.nio.CharBuffer out =
        java.nio.CharBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, (long) length * 2 + 16));
    java.nio.charset.CoderResult r = decoder.decode(in, out, true);
    return r.isError() ? in.position() : length;
  }

  private static String lossy(byte[] bytes, int length, Charset charset) {
    return new String(bytes, 0, length, charset);
  }
}
