package io.elspeth.connectors.blob;

import com.azure.storage.blob.specialized.BlockBlobClient;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An output stream that stages a block each time {@code blockSize} bytes have been written and
 * hashes everything it stages; {@link #finish} stages the rest. Block ids are {@code <publication
 * id>-<a|w>-<index>}, base64-encoded; {@code a} keeps the base's committed blocks before them.
 */
final class BlockUpload extends OutputStream {
  /** Characters of a block id (base64 of {@code <32 hex>-a-<8 digits>}). */
  static final int BLOCK_ID_CHARS =
      Base64.getEncoder()
          .encodeToString(
              blockPrefix("0".repeat(32), true)
                  .concat("00000000")
                  .getBytes(StandardCharsets.US_ASCII))
          .length();

  private final BlockBlobClient blob;
  private final byte[] buffer;
  private final MessageDigest digest;
  private final String idPrefix;
  private final List<String> blockIds = new ArrayList<>();
  private int filled;
  private long bytes;

  BlockUpload(BlockBlobClient blob, int blockSize, String idPrefix, MessageDigest digest) {
    this.blob = blob;
    this.buffer = new byte[blockSize];
    this.idPrefix = idPrefix;
    this.digest = digest;
  }

  /** Block ids: {@code <publication id>-<a|w>-<index>}; a keeps the base's blocks before them. */
  static String blockPrefix(String publicationId, boolean keepBase) {
    return publicationId + (keepBase ? "-a-" : "-w-");
  }

  /** The id a block was staged with, decoded; null for an id that is not base64. */
  static @Nullable String decode(String blockId) {
    try {
      return new String(Base64.getDecoder().decode(blockId), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }

  @Override
  public void write(int b) {
    if (filled == buffer.length) {
      stage();
    }
    buffer[filled++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    while (len > 0) {
      if (filled == buffer.length) {
        stage();
      }
      int n = Math.min(len, buffer.length - filled);
      System.arraycopy(b, off, buffer, filled, n);
      filled += n;
      off += n;
      len -= n;
    }
  }

  private void stage() {
    if (filled == 0) {
      return;
    }
    // Block ids must all have the same length within a blob: a fixed-width index.
    String id =
        Base64.getEncoder()
            .encodeToString(
                String.format("%s%08d", idPrefix, blockIds.size())
                    .getBytes(StandardCharsets.US_ASCII));
    digest.update(ByteBuffer.wrap(buffer, 0, filled));
    blob.stageBlock(id, new ByteArrayInputStream(buffer, 0, filled), filled);
    blockIds.add(id);
    bytes += filled;
    filled = 0;
  }

  void finish() {
    stage();
  }

  /** The ids of the blocks staged so far, in order. */
  List<String> blockIds() {
    return blockIds;
  }

  /** Bytes staged so far. */
  long bytes() {
    return bytes;
  }

  /** The hex SHA-256 of everything the digest consumed (ends the digest). */
  String sha256Hex() {
    return HexFormat.of().formatHex(digest.digest());
  }
}
