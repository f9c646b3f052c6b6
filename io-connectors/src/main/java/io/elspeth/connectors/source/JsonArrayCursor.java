package io.elspeth.connectors.source;

import static io.elspeth.connectors.source.JsonRecords.MAPPER;
import static io.elspeth.connectors.source.JsonRecords.oversizedString;
import static io.elspeth.connectors.source.JsonRecords.seekKey;
import static io.elspeth.connectors.source.JsonRecords.toParsed;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.split.ReadPosition;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A JSON array (optionally under data_key), streamed item by item; not resumable. In UTF-8 an
 * element Jackson cannot parse is quarantined with its raw bytes when {@link JsonArrayResync} finds
 * its end for certain, and the array is read on from the next element with a new parser (fed {@code
 * [} and the rest of the input); its locations are shifted back to the file's.
 */
final class JsonArrayCursor extends LookaheadCursor {
  private final InputStream source;
  private final @Nullable String dataKey;
  private final String encoding;
  private final SourceLimits limits;
  private JsonParser parser;

  /** The bytes since the last good element, for a resync; null when not UTF-8. */
  private @Nullable RecordingInputStream recording;

  private boolean opened;
  private boolean ended;
  private int index;

  /** Whether no element was read since the array (or a resync) started: no comma before one. */
  private boolean firstInArray = true;

  /** The current parser's offset, line and first-line column, to the file's. */
  private long offsetShift;

  private int lineShift;
  private int firstLineColumnShift;
  private long markOffset;
  private int markLine = 1;
  private int markColumn = 1;

  JsonArrayCursor(
      InputStream in,
      Charset charset,
      @Nullable String dataKey,
      String encoding,
      SourceLimits limits)
      throws IOException {
    this.source = in;
    this.dataKey = dataKey;
    this.encoding = encoding;
    this.limits = limits;
    // UTF-8 bytes go to Jackson's byte parser, which rejects invalid UTF-8 with its location;
    // other charsets are decoded strictly, so no byte is replaced silently.
    if (charset.equals(StandardCharsets.UTF_8)) {
      recording = new RecordingInputStream(in, 0, limits.maxRowBytes() + (64 << 10));
      parser = MAPPER.getFactory().createParser(recording);
    } else {
      parser =
          MAPPER
              .getFactory()
              .createParser(new InputStreamReader(in, QuarantinedBytes.strictDecoder(charset)));
    }
    parser.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
  }

  private void openArray() throws IOException {
    JsonToken first = parser.nextToken();
    if (first == null) {
      throw new IOException("the file is empty: expected a JSON array of objects");
    }
    if (dataKey != null) {
      if (first != JsonToken.START_OBJECT) {
        throw new IOException("expected a JSON object with key '" + dataKey + "' at the top level");
      }
      if (!seekKey(parser, dataKey)) {
        throw new IOException("data_key '" + dataKey + "' not found in the JSON document");
      }
      first = parser.nextToken();
    }
    if (first != JsonToken.START_ARRAY) {
      throw new IOException(
          "expected a JSON array of objects"
              + (dataKey == null
                  ? " (set data_key to read an array inside an object)"
                  : " under '" + dataKey + "'"));
    }
  }

  @Override
  Item fetch() throws IOException {
    try {
      return fetchItem();
    } catch (JsonProcessingException e) {
      Item resynced = resync(e);
      if (resynced != null) {
        return resynced;
      }
      JsonLocation at = e.getLocation();
      throw new IOException(
          "malformed JSON at line "
              + line(at)
              + ", column "
              + column(at)
              + ": "
              + e.getOriginalMessage(),
          e);
    } catch (CharacterCodingException e) {
      JsonLocation at = parser.currentLocation();
      throw new IOException(
          "bytes not valid " + encoding + " near line " + line(at) + ", column " + column(at), e);
    }
  }

  private Item fetchItem() throws IOException {
    if (!opened) {
      openArray();
      opened = true;
      mark();
    }
    if (ended || parser.nextToken() == JsonToken.END_ARRAY) {
      ended = true;
      return new Item(null, ReadPosition.UNKNOWN, 0, 0);
    }
    if (parser.currentToken() == null) {
      throw new IOException(
          "malformed JSON at line "
              + line(parser.currentLocation())
              + ", column "
              + column(parser.currentLocation())
              + ": the document ends before its array is closed");
    }
    String location = "item " + index + " (line " + line(parser.currentTokenLocation()) + ")";
    long start = offsetOf(parser.currentTokenLocation());
    JsonNode node = MAPPER.readTree(parser);
    index++;
    firstInArray = false;
    mark();
    long size = offsetOf(parser.currentLocation()) - start;
    String tooLarge =
        size > limits.maxRowBytes()
            ? "item is " + size + " bytes, over max_row_bytes (" + limits.maxRowBytes() + ")"
            : oversizedString(node, limits.maxFieldBytes());
    if (tooLarge != null) {
      byte[] json =
          CanonicalJson.tolerantJson(CanonicalJson.toPlain(node)).getBytes(StandardCharsets.UTF_8);
      return new Item(
          ParsedRecord.malformed(
              QuarantinedBytes.cut(
                  json, json.length, size, CanonicalJson.sha256Hex(json), StandardCharsets.UTF_8),
              tooLarge,
              location),
          ReadPosition.UNKNOWN,
          0,
          0);
    }
    return new Item(toParsed(node, location), ReadPosition.UNKNOWN, 0, 0);
  }

  /** Remembers the end of the last good element (or the array's start) as the resync point. */
  private void mark() {
    if (recording != null) {
      JsonLocation at = parser.currentLocation();
      markOffset = offsetOf(at) + offsetShift;
      markLine = line(at);
      markColumn = column(at);
      recording.mark(markOffset);
    }
  }

  /**
   * The broken element after the resync point as a quarantined record, the array then read on from
   * the element after it; null when that is not possible for certain.
   */
  private @Nullable Item resync(JsonProcessingException e) throws IOException {
    if (recording == null || !opened || ended || !recording.canReplay()) {
      return null;
    }
    InputStream replay = new BufferedInputStream(recording.replayFromMark());
    JsonArrayResync.Element element =
        JsonArrayResync.scan(
            replay, markOffset, markLine, markColumn, !firstInArray, limits.maxRowBytes());
    if (element == null) {
      return null;
    }
    JsonLocation at = e.getLocation();
    String where = "line " + line(at) + ", column " + column(at);
    byte[] bytes = element.bytes();
    int bad = QuarantinedBytes.firstInvalid(bytes, bytes.length, StandardCharsets.UTF_8);
    Map<String, Object> raw;
    String problem;
    if (bad < bytes.length) {
      raw = QuarantinedBytes.undecodable(bytes, bytes.length, StandardCharsets.UTF_8);
      problem =
          "bytes not valid UTF-8: 0x"
              + String.format("%02X", bytes[bad])
              + " at byte "
              + (element.start() + bad)
              + " of the input";
    } else {
      raw = QuarantinedBytes.verbatim(new String(bytes, StandardCharsets.UTF_8));
      problem =
          bytes.length == 0
              ? "an empty array element (a stray comma)"
              : "not valid JSON at " + where + ": " + e.getOriginalMessage();
    }
    String location = "item " + index++ + " (line " + element.line() + ")";
    problem +=
        element.arrayEnded()
            ? "; the array ends after it"
            : "; the array is read on from line "
                + element.afterLine()
                + ", column "
                + element.afterColumn();
    if (element.arrayEnded()) {
      ended = true;
    } else {
      // A new parser over '[' and the rest: its items are this array's next elements.
      recording =
          new RecordingInputStream(replay, element.after(), limits.maxRowBytes() + (64 << 10));
      parser =
          MAPPER
              .getFactory()
              .createParser(
                  new SequenceInputStream(new ByteArrayInputStream(new byte[] {'['}), recording));
      parser.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
      offsetShift = element.after() - 1;
      lineShift = element.afterLine() - 1;
      firstLineColumnShift = element.afterColumn() - 2;
      parser.nextToken();
      firstInArray = true;
      mark();
    }
    return new Item(ParsedRecord.malformed(raw, problem, location), ReadPosition.UNKNOWN, 0, 0);
  }

  /** The file's line of a location of the current parser. */
  private int line(JsonLocation at) {
    return at.getLineNr() + lineShift;
  }

  /** The file's column of a location of the current parser. */
  private int column(JsonLocation at) {
    return at.getLineNr() == 1 ? at.getColumnNr() + firstLineColumnShift : at.getColumnNr();
  }

  @Override
  public Map<String, String> resolution() {
    return Map.of();
  }

  @Override
  public void close() throws IOException {
    try {
      parser.close();
    } finally {
      source.close();
    }
  }

  private static long offsetOf(JsonLocation at) {
    return at.getByteOffset() >= 0 ? at.getByteOffset() : at.getCharOffset();
  }
}
