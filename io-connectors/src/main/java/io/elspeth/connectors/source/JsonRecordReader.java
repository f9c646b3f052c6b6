package io.elspeth.connectors.source;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.split.ReadPosition;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * JSON sources: a JSON array of objects (streamed), optionally found under {@code data_key} of a
 * top-level object, or JSON Lines (one object per line). An item that is not an object, or a line
 * that is not JSON, is malformed and kept raw.
 */
public final class JsonRecordReader implements RecordReader {
  /** json: one document; jsonl: one document per line. */
  public enum Format { JSON, JSONL }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Format format;
  private final @Nullable String dataKey;
  private final String encoding;

  public JsonRecordReader(Format format, @Nullable String dataKey, String encoding) {
    this.format = format;
    this.dataKey = dataKey;
    this.encoding = encoding;
  }

  @Override
  public boolean textValues() {
    return false;
  }

  @Override
  public RecordCursor open(Input input, ReadPosition from) throws IOException {
    Charset charset = Charset.forName(encoding);
    if (format == Format.JSONL) {
      boolean tracked = OffsetTrackingReader.tracks(charset);
      if (from.offset() != 0 && !tracked) {
        throw new IOException("cannot resume reading " + encoding + " text at byte "
            + from.offset());
      }
      InputStream in = input.openAt(from.offset());
      return new LinesCursor(tracked ? new OffsetTrackingReader(in, charset, from.offset())
          : new BufferedReader(new InputStreamReader(in, charset)), from.lines());
    }
    if (from.offset() != 0) {
      // A JSON array is read in one go: its items have no byte offsets to resume at.
      throw new IOException("a JSON document can only be read from its start");
    }
    return new DocumentCursor(input.openAt(0), charset);
  }

  /** JSON Lines: one record per non-blank line; resumable at any line start. */
  private static final class LinesCursor extends LookaheadCursor {
    private final Reader reader;
    private final @Nullable OffsetTrackingReader tracking;
    private long lineNumber;

    LinesCursor(Reader reader, long linesBefore) {
      this.reader = reader;
      this.tracking = reader instanceof OffsetTrackingReader t ? t : null;
      this.lineNumber = linesBefore;
    }

    @Override
    Item fetch() throws IOException {
      long offset = tracking == null ? ReadPosition.UNKNOWN
          : tracking.byteOffsetAt(tracking.charPosition());
      long linesBefore = lineNumber;
      String line;
      while ((line = readLine()) != null) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        String location = "line " + lineNumber;
        JsonNode node;
        try {
          node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
          return new Item(ParsedRecord.malformed(rawOf(line), "line is not valid JSON: "
              + e.getOriginalMessage(), location), offset, 0, linesBefore);
        }
        return new Item(toParsed(node, location), offset, 0, linesBefore);
      }
      return new Item(null, tracking == null ? ReadPosition.UNKNOWN : tracking.byteOffsetAtEnd(),
          0, linesBefore);
    }

    private @Nullable String readLine() throws IOException {
      return tracking != null ? tracking.readLine() : ((BufferedReader) reader).readLine();
    }

    @Override
    public Map<String, String> resolution() {
      return Map.of();
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }

  /** A JSON array (optionally under data_key), streamed item by item; not resumable. */
  private final class DocumentCursor extends LookaheadCursor {
    private final JsonParser parser;
    private boolean opened;
    private boolean ended;
    private int index;

    DocumentCursor(InputStream in, Charset charset) throws IOException {
      this.parser = MAPPER.getFactory().createParser(new InputStreamReader(in, charset));
    }

    private void openArray() throws IOException {
      JsonToken first = parser.nextToken();
      if (first == null) {
        ended = true;
        return;
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
        throw new IOException("expected a JSON array of objects"
            + (dataKey == null ? " (set data_key to read an array inside an object)" : " under '"
            + dataKey + "'"));
      }
    }

    @Override
    Item fetch() throws IOException {
      if (!opened) {
        opened = true;
        openArray();
      }
      if (ended || parser.nextToken() == JsonToken.END_ARRAY) {
        ended = true;
        return new Item(null, ReadPosition.UNKNOWN, 0, 0);
      }
      JsonNode node = MAPPER.readTree(parser);
      return new Item(toParsed(node, "item " + index++), ReadPosition.UNKNOWN, 0, 0);
    }

    @Override
    public Map<String, String> resolution() {
      return Map.of();
    }

    @Override
    public void close() throws IOException {
      parser.close();
    }
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
    return ParsedRecord.malformed(raw, "expected a JSON object, got "
        + (node.isArray() ? "an array" : node.getNodeType().toString().toLowerCase()), location);
  }

  private static Map<String, Object> rawOf(String line) {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("_raw", line);
    return raw;
  }
}
