package io.elspeth.connectors.source;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.split.ReadPosition;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
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

  private static final ObjectMapper MAPPER = new ObjectMapper();
  // Trailing tokens fail a line: "{...} junk" must not be read as its first value alone.
  private static final ObjectReader LINE =
      MAPPER.readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
        return new LinesCursor(
            new ByteLines(in, from.offset(), from.lines(), limits.maxRowBytes()), charset, null);
      }
      Utf8Transcoding transcoding = new Utf8Transcoding(in, charset);
      return new LinesCursor(
          new ByteLines(transcoding, 0, from.lines(), limits.maxRowBytes()),
          StandardCharsets.UTF_8,
          transcoding);
    }
    if (from.offset() != 0) {
      // A JSON array is read in one go: its items have no byte offsets to resume at.
      throw new IOException("a JSON document can only be read from its start");
    }
    return new DocumentCursor(input.openAt(0), charset);
  }

  /** JSON Lines: one record per non-blank line; resumable at any line start. */
  private final class LinesCursor extends LookaheadCursor {
    private final ByteLines lines;
    private final Charset charset;
    private final CharsetDecoder decoder;
    private final boolean byteLevel;

    /** The UTF-8 view of a UTF-16/32 (or other multi-byte) input; null for byte-level input. */
    private final @Nullable Utf8Transcoding transcoding;

    LinesCursor(ByteLines lines, Charset charset, @Nullable Utf8Transcoding transcoding) {
      this.lines = lines;
      this.charset = charset;
      this.decoder = QuarantinedBytes.strictDecoder(charset);
      this.byteLevel = transcoding == null;
      this.transcoding = transcoding;
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
          java.util.Optional<Utf8Transcoding.Original> original =
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
                      CanonicalJson.sha256Hex(java.util.Arrays.copyOf(line.bytes(), line.held())),
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

  /**
   * A JSON array (optionally under data_key), streamed item by item; not resumable. In UTF-8 an
   * element Jackson cannot parse is quarantined with its raw bytes when {@link JsonArrayResync}
   * finds its end for certain, and the array is read on from the next element with a new parser
   * (fed {@code [} and the rest of the input); its locations are shifted back to the file's.
   */
  private final class DocumentCursor extends LookaheadCursor {
    private final InputStream source;
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

    DocumentCursor(InputStream in, Charset charset) throws IOException {
      this.source = in;
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
          throw new IOException(
              "expected a JSON object with key '" + dataKey + "' at the top level");
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
      } catch (java.nio.charset.CharacterCodingException e) {
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
            CanonicalJson.tolerantJson(CanonicalJson.toPlain(node))
                .getBytes(StandardCharsets.UTF_8);
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
     * The broken element after the resync point as a quarantined record, the array then read on
     * from the element after it; null when that is not possible for certain.
     */
    private @Nullable Item resync(JsonProcessingException e) throws IOException {
      if (recording == null || !opened || ended || !recording.canReplay()) {
        return null;
      }
      InputStream replay = new java.io.BufferedInputStream(recording.replayFromMark());
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
                    new java.io.SequenceInputStream(
                        new java.io.ByteArrayInputStream(new byte[] {'['}), recording));
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
  }

  private static long offsetOf(JsonLocation at) {
    return at.getByteOffset() >= 0 ? at.getByteOffset() : at.getCharOffset();
  }

  /**
   * Names the first string (value or key, at any depth) longer than {@code max} UTF-8 bytes; null
   * when there is none.
   */
  static @Nullable String oversizedString(JsonNode node, long max) {
    if (node.isTextual()) {
      long bytes = utf8Length(node.textValue(), max);
      return bytes > max
          ? "a string of " + bytes + " bytes is over max_field_bytes (" + max + ")"
          : null;
    }
    if (node.isObject()) {
      for (var it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (utf8Length(e.getKey(), max) > max) {
          return "a field name is over max_field_bytes (" + max + ")";
        }
        String inner = oversizedString(e.getValue(), max);
        if (inner != null) {
          return "field '" + e.getKey() + "': " + inner;
        }
      }
    } else if (node.isArray()) {
      for (JsonNode item : node) {
        String inner = oversizedString(item, max);
        if (inner != null) {
          return inner;
        }
      }
    }
    return null;
  }

  /** UTF-8 length of {@code s}, exact when it may be over {@code max}. */
  private static long utf8Length(String s, long max) {
    if ((long) s.length() * 3 <= max) {
      return s.length();
    }
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
    }
    return n;
  }

  private static boolean seekKey(JsonParser parser, String key) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      if (key.equals(parser.currentName())) {
        return true;
      }
      parser.nextToken();
      parser.skipChildren();
    }
    return false;
  }

  @SuppressWarnings("unchecked")
  private static ParsedRecord toParsed(JsonNode node, String location) {
    Object value = CanonicalJson.toPlain(node);
    if (value instanceof Map<?, ?> map) {
      return ParsedRecord.row((Map<String, Object>) map, location);
    }
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("_raw", value);
    return ParsedRecord.malformed(
        raw,
        "expected a JSON object, got "
            + (node.isArray() ? "an array" : node.getNodeType().toString().toLowerCase()),
        location);
  }
}
