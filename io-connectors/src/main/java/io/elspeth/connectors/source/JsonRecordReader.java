package io.elspeth.connectors.source;

import io.elspeth.connectors.split.ReadPosition;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * JSON sources: a JSON array of objects (streamed), optionally found under {@code data_key} of a
 * top-level object, or JSON Lines (one object per line). Nothing is altered or dropped: an item
 * that is not an object, a line that is not JSON (kept verbatim), a line whose bytes are not valid
 * in the encoding (kept as base64 too) and an item over a {@link SourceLimits limit} (an excerpt,
 * its size and SHA-256) are malformed records, quarantined by the source. In a UTF-8 JSON array, an
 * element that is not valid JSON (a syntax error, invalid bytes) is quarantined with its raw bytes
 * when where it ends is certain, and the array is read on; otherwise (a stray quote, a truncated
 * file, another encoding) the read fails with the line and column.
 */
public final class JsonRecordReader implements RecordReader {
  /** json: one document; jsonl: one document per line. */
  public enum Format {
    JSON,
    JSONL
  }

  private final Format format;
  private final @Nullable String dataKey;
  private final String encoding;
  private final SourceLimits limits;

  public JsonRecordReader(Format format, @Nullable String dataKey, String encoding) {
    this(format, dataKey, encoding, SourceLimits.DEFAULT);
  }

  private JsonRecordReader(
      Format format, @Nullable String dataKey, String encoding, SourceLimits limits) {
    this.format = format;
    this.dataKey = dataKey;
    this.encoding = encoding;
    this.limits = limits;
  }

  /** This reader with other size limits. */
  public JsonRecordReader withLimits(SourceLimits newLimits) {
    return new JsonRecordReader(format, dataKey, encoding, newLimits);
  }

  @Override
  public boolean textValues() {
    return false;
  }

  @Override
  public RecordCursor open(Input input, ReadPosition from) throws IOException {
    Charset charset = Charset.forName(encoding);
    if (format == Format.JSONL) {
      boolean byteLevel = CsvRecordReader.byteLevel(charset);
      if (from.offset() != 0 && !byteLevel) {
        throw new IOException(
            "cannot resume reading " + encoding + " text at byte " + from.offset());
      }
      InputStream in = input.openAt(from.offset());
      if (byteLevel) {
        return new JsonLinesCursor(
            new ByteLines(in, from.offset(), from.lines(), limits.maxRowBytes()),
            charset,
            null,
            limits);
      }
      Utf8Transcoding transcoding = new Utf8Transcoding(in, charset);
      return new JsonLinesCursor(
          new ByteLines(transcoding, 0, from.lines(), limits.maxRowBytes()),
          StandardCharsets.UTF_8,
          transcoding,
          limits);
    }
    if (from.offset() != 0) {
      // A JSON array is read in one go: its items have no byte offsets to resume at.
      throw new IOException("a JSON document can only be read from its start");
    }
    return new JsonArrayCursor(input.openAt(0), charset, dataKey, encoding, limits);
  }
}
