package io.elspeth.connectors.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * What one part of a file's read counted, with what the read's {@code source_load} operation
 * records of the whole read (the file's path and when the read started) and how many parts the read
 * has.
 */
record PartCounts(String path, Instant started, int parts, SourceBoundary.Counts counts) {

  /** Coder of a part's counts, for the group that gathers a read's parts. */
  static final class PartCountsCoder extends AtomicCoder<PartCounts> {
    private static final PartCountsCoder INSTANCE = new PartCountsCoder();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final VarIntCoder INT = VarIntCoder.of();

    static PartCountsCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(PartCounts value, OutputStream out) throws IOException {
      STRING.encode(value.path(), out);
      LONG.encode(value.started().getEpochSecond(), out);
      LONG.encode((long) value.started().getNano(), out);
      INT.encode(value.parts(), out);
      SourceBoundary.Counts c = value.counts();
      LONG.encode(c.valid(), out);
      LONG.encode(c.quarantined(), out);
      LONG.encode(c.discarded(), out);
      LONG.encode(c.resumed(), out);
    }

    @Override
    public PartCounts decode(InputStream in) throws IOException {
      String path = STRING.decode(in);
      Instant started = Instant.ofEpochSecond(LONG.decode(in), LONG.decode(in));
      int parts = INT.decode(in);
      return new PartCounts(
          path,
          started,
          parts,
          new SourceBoundary.Counts(
              LONG.decode(in), LONG.decode(in), LONG.decode(in), LONG.decode(in)));
    }
  }
}
