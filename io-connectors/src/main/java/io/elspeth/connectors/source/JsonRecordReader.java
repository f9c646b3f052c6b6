package io.elspeth.connectors.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
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
  public Map<String, String> read(InputStream in, Consumer<ParsedRecord> out) throws IOException {
    if (format == Format.JSONL) {
      readLines(in, out);
    } else {
      readDocument(in, out);
    }
    return Map.of();
  }

  private void readLines(InputStream in, Consumer<ParsedRecord> out) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, Charset.forName(encoding)));
    String line;
    int lineNumber = 0;
    while ((line = reader.readLine()) != null) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      String location = "line " + lineNumber;
      JsonNode node;
      try {
        node = MAPPER.readTree(line);
      } catch (JsonProcessingException e) {
        out.accept(ParsedRecord.malformed(rawOf(line), "line is not valid JSON: "
            + e.getOriginalMessage(), location));
        continue;
      }
      emit(node, location, out);
    }
  }

  private void readDocument(InputStream in, Consumer<ParsedRecord> out) throws IOException {
    JsonFactory factory = MAPPER.getFactory();
    try (JsonParser parser = factory.createParser(
        new InputStreamReader(in, Charset.forName(encoding)))) {
      JsonToken first = parser.nextToken();
      if (first == null) {
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
      int index = 0;
      while (parser.nextToken() != JsonToken.END_ARRAY) {
        JsonNode node = MAPPER.readTree(parser);
        emit(node, "item " + index++, out);
      }
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
  private static void emit(JsonNode node, String location, Consumer<ParsedRecord> out) {
    Object value = CanonicalJson.toPlain(node);
    if (value instanceof Map<?, ?> map) {
      out.accept(ParsedRecord.row((Map<String, Object>) map, location));
    } else {
      Map<String, Object> raw = new LinkedHashMap<>();
      raw.put("_raw", value);
      out.accept(ParsedRecord.malformed(raw, "expected a JSON object, got "
          + (node.isArray() ? "an array" : node.getNodeType().toString().toLowerCase()), location));
    }
  }

  private static Map<String, Object> rawOf(String line) {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("_raw", line);
    return raw;
  }
}
