package io.elspeth.connectors.split;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.time.Instant;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * The restriction of a splittable sequential read: from a {@link ReadPosition} to the byte offset
 * {@code end} (exclusive; {@link Long#MAX_VALUE} for "to the end of the input, and the read's
 * closing step"). {@code operationId} and {@code started} belong to the whole read, so that every
 * part of a split read reports under the one operation it started.
 */
public record ReadRange(ReadPosition from, long end, String operationId, Instant started)
    implements Serializable {

  /** The whole input. */
  public static ReadRange whole(ReadPosition from, String operationId, Instant started) {
    return new ReadRange(from, Long.MAX_VALUE, operationId, started);
  }

  /** Coder of the restriction, for runners that checkpoint it. */
  public static final class Coder extends AtomicCoder<ReadRange> {
    private static final Coder INSTANCE = new Coder();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ReadRange value, OutputStream out) throws IOException {
      ReadPosition p = value.from();
      // The offset may be UNKNOWN (-1): shift so every value is non-negative for VarLong.
      LONG.encode(p.offset() + 1, out);
      LONG.encode(p.index(), out);
      LONG.encode(p.records(), out);
      LONG.encode(p.lines(), out);
      LONG.encode(p.valid(), out);
      LONG.encode(p.quarantined(), out);
      LONG.encode(p.discarded(), out);
      LONG.encode(p.resumed(), out);
      LONG.encode(value.end(), out);
      STRING.encode(value.operationId(), out);
      LONG.encode(value.started().getEpochSecond(), out);
      LONG.encode((long) value.started().getNano(), out);
    }

    @Override
    public ReadRange decode(InputStream in) throws IOException {
      ReadPosition p =
          new ReadPosition(
              LONG.decode(in) - 1,
              LONG.decode(in),
              LONG.decode(in),
              LONG.decode(in),
              LONG.decode(in),
              LONG.decode(in),
              LONG.decode(in),
              LONG.decode(in));
      long end = LONG.decode(in);
      String operationId = STRING.decode(in);
      Instant started = Instant.ofEpochSecond(LONG.decode(in), LONG.decode(in));
      return new ReadRange(p, end, operationId, started);
    }
  }
}
