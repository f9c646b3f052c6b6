package io.elspeth.connectors.source;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;

/**
 * An input stream that keeps the bytes it delivered since a mark (an absolute offset), so that a
 * reader which buffers ahead (Jackson reads in blocks) can be replaced mid-stream: {@link
 * #replayFromMark} yields the kept bytes followed by the rest of the input. Memory is bounded: past
 * {@code maxKept} bytes since the mark it stops keeping them and cannot replay.
 */
final class RecordingInputStream extends FilterInputStream {
  private final long maxKept;

  /** Absolute offset of the next byte this stream delivers. */
  private long position;

  /** Absolute offset of {@code kept[0]}. */
  private long keptFrom;

  private byte[] kept = new byte[8192];
  private int keptLength;
  private long mark;

  RecordingInputStream(InputStream in, long startOffset, long maxKept) {
    super(in);
    this.position = startOffset;
    this.keptFrom = startOffset;
    this.mark = startOffset;
    this.maxKept = maxKept;
  }

  /** Bytes before {@code offset} are no longer needed. */
  void mark(long offset) {
    mark = Math.max(mark, offset);
  }

  /**
   * Whether {@link #replayFromMark} can replay from the current mark (false when more than {@code
   * maxKept} bytes came since it, and they were let go).
   */
  boolean canReplay() {
    return mark >= keptFrom && mark <= position;
  }

  long markOffset() {
    return mark;
  }

  /** The bytes from the mark on, then the unread rest of the input. */
  InputStream replayFromMark() {
    if (!canReplay()) {
      throw new IllegalStateException("the bytes since the mark were not kept");
    }
    int from = (int) (mark - keptFrom);
    return new SequenceInputStream(
        new ByteArrayInputStream(Arrays.copyOfRange(kept, from, keptLength)), in);
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      keep(new byte[] {(byte) b}, 0, 1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      keep(b, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes would be missing from a replay: read them instead.
    byte[] buffer = new byte[(int) Math.min(n, 8192)];
    int read = read(buffer, 0, buffer.length);
    return Math.max(read, 0);
  }

  private void keep(byte[] b, int off, int n) {
    if (keptLength + n > kept.length) {
      kept = Arrays.copyOf(kept, Math.max(kept.length * 2, keptLength + n));
    }
    System.arraycopy(b, off, kept, keptLength, n);
    keptLength += n;
    position += n;
    // Drop what is before the mark once it is a good share of the buffer (not once per item).
    int drop = (int) Math.max(0, Math.min(mark, position) - keptFrom);
    if (drop > 0 && drop >= keptLength / 2) {
      System.arraycopy(kept, drop, kept, 0, keptLength - drop);
      keptLength -= drop;
      keptFrom += drop;
    }
    if (keptLength > maxKept) {
      // The mark is too far behind: let the bytes go; no replay until a later mark.
      keptFrom = position;
      keptLength = 0;
      if (kept.length > (1 << 20)) {
        kept = new byte[8192];
      }
    }
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}
