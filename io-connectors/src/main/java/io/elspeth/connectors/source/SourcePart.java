package io.elspeth.connectors.source;

import io.elspeth.connectors.split.ReadRange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.StructuredCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.ReadableFileCoder;

/**
 * One part of a file's read: the file, and the range read in it (from a part start the first pass
 * found, with the read's operation id and start time, to where the next part starts: {@link
 * Long#MAX_VALUE} for the last). {@code part} of {@code parts}, so the gathering of the parts'
 * counts knows when it has them all.
 */
record SourcePart(FileIO.ReadableFile file, ReadRange range, int part, int parts) {

  /** The path of the file, as the read's operation names it. */
  String path() {
    return file.getMetadata().resourceId().toString();
  }

  /** Whether this is the part that reads to the end of the file. */
  boolean last() {
    return range.end() == Long.MAX_VALUE;
  }

  /** Coder of a part, for the shuffle that spreads the parts over tasks. */
  static final class PartCoder extends StructuredCoder<SourcePart> {
    private static final PartCoder INSTANCE = new PartCoder();
    private static final ReadableFileCoder FILE = ReadableFileCoder.of();
    private static final ReadRange.Coder RANGE = ReadRange.Coder.of();
    private static final VarIntCoder INT = VarIntCoder.of();

    static PartCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(SourcePart value, OutputStream out) throws IOException {
      FILE.encode(value.file(), out);
      RANGE.encode(value.range(), out);
      INT.encode(value.part(), out);
      INT.encode(value.parts(), out);
    }

    @Override
    public SourcePart decode(InputStream in) throws IOException {
      return new SourcePart(FILE.decode(in), RANGE.decode(in), INT.decode(in), INT.decode(in));
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of();
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      FILE.verifyDeterministic();
    }
  }
}
