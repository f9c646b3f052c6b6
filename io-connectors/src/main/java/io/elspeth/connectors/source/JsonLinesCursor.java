package io.elspeth.connectors.source;

import static io.elspeth.connectors.source.JsonRecords.oversizedString;
import static io.elspeth.connectors.source.JsonRecords.toParsed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.split.ReadPosition;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/** JSON Lines: one record per non-blank line; resumable at any line start. */
final class JsonLinesCursor extends LookaheadCursor {
  // Trailing tokens fail a line: "{...} junk" must not be read as its first value alone.
  private static final ObjectReader LINE =
      JsonRecords.MAPPER
          .readerFor(JsonNode.class)
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final ByteLines lines;
  private final Charset charset;
  private final CharsetDecoder decoder;
  private final boolean byteLevel;
  private final SourceLimits limits;

  /** The UTF-8 view of a UTF-16/32 (or other multi-byte) input; null for byte-level input. */
  private final @Nullable Utf8Transcoding transcoding;

  JsonLinesCursor(
      ByteLines lines,
      Charset charset,
      @Nullable Utf8Transcoding transcoding,
      SourceLimits limits) {
    this.lines = lines;
    this.charset = charset;
    this.decoder = QuarantinedBytes.strictDecoder(charset);
    this.byteLevel = transcoding == null;
    this.transcoding = transcoding;
    this.limits = limits;
  }

  @Override
  Item fetch() throws IOException {
    long offset = byteLevel ? lines.offset() : ReadPosition.UNKNOWN;
    long linesBefore = lines.lines();
    ByteLines.Line line;
    while ((line = lines.next()) != null) {
      String location = "line " + line.number();
      if (!line.complete()) {
        return new Item(
            ParsedRecord.malformed(
                QuarantinedBytes.cut(
                    line.bytes(),
                    line.held(),
                    line.size(),
                    Objects.requireNonNull(line.sha256(), "an incomplete line has its hash"),
                    charset),
                "line is "
                    + line.size()
                    + " bytes, over max_row_bytes ("
                    + limits.maxRowBytes()
                    + ")",
                location),
            offset,
            0,
            linesBefore);
      }
      String text = QuarantinedBytes.strict(decoder, line.bytes(), line.held());
      if (text == null && transcoding != null) {
        Optional<Utf8Transcoding.Original> original =
            transcoding.original(line.start(), line.bytes(), line.held());
        if (original.isPresent()) {
          return new Item(
              ParsedRecord.malformed(
                  original.get().raw(transcoding.charset()),
                  original.get().problem(transcoding.charset()),
                  location),
              offset,
              0,
              linesBefore);
        }
      }
      if (text == null) {
        int bad = QuarantinedBytes.firstInvalid(line.bytes(), line.held(), charset);
        return new Item(
            ParsedRecord.malformed(
                QuarantinedBytes.undecodable(line.bytes(), line.held(), charset),
                "bytes not valid "
                    + charset.name()
                    + ": 0x"
                    + String.format("%02X", line.bytes()[bad])
                    + " at byte "
                    + (line.start() + bad)
                    + " of the input",
                location),
            offset,
            0,
            linesBefore);
      }
      if (text.isBlank()) {
        continue;
      }
      JsonNode node;
      try {
        node = LINE.readTree(text);
      } catch (JsonProcessingException e) {
        return new Item(
            ParsedRecord.malformed(
                QuarantinedBytes.verbatim(text),
                "line is not valid JSON at column "
                    + e.getLocation().getColumnNr()
                    + ": "
                    + e.getOriginalMessage(),
                location),
            offset,
            0,
            linesBefore);
      }
      String tooLarge = oversizedString(node, limits.maxFieldBytes());
      if (tooLarge != null) {
        return new Item(
            ParsedRecord.malformed(
                QuarantinedBytes.cut(
                    line.bytes(),
                    line.held(),
                    line.size(),
                    CanonicalJson.sha256Hex(Arrays.copyOf(line.bytes(), line.held())),
                    charset),
                tooLarge,
                location),
            offset,
            0,
            linesBefore);
      }
      return new Item(toParsed(node, location), offset, 0, linesBefore);
    }
    return new Item(null, byteLevel ? lines.offset() : ReadPosition.UNKNOWN, 0, linesBefore);
  }

  @Override
  public Map<String, String> resolution() {
    return Map.of();
  }

  @Override
  public void close() throws IOException {
    lines.close();
  }
}
