package io.elspeth.connectors.blob;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.sink.CsvSinkWriter;
import io.elspeth.connectors.sink.JsonSinkWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.StringReader;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;

/**
 * How the blob sink serialises rows (CSV, JSON array or JSONL, as the file sinks write them), and
 * reads back what an appended blob already holds: a CSV header, a JSON array's items.
 */
record BlobOutputFormat(
    AzureBlobSinkWriter.Format format, char delimiter, String encoding, boolean includeHeader)
    implements Serializable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  Charset charset() {
    return Charset.forName(encoding);
  }

  /** What the file sinks refuse in the same format (a blob has no header to append to). */
  Optional<String> cannotWrite(Map<String, Object> row) {
    return format == AzureBlobSinkWriter.Format.CSV
        ? CsvSinkWriter.unwritable(row, charset(), List.of())
        : JsonSinkWriter.unwritable(row, charset());
  }

  /** The columns of a CSV blob's first line; none for an empty line. */
  List<String> csvHeader(String firstLine) throws IOException {
    if (firstLine.isEmpty()) {
      return List.of();
    }
    try (CSVParser parser =
        CSVParser.parse(
            new StringReader(firstLine),
            CSVFormat.DEFAULT.builder().setDelimiter(delimiter).get())) {
      var it = parser.iterator();
      return it.hasNext() ? it.next().toList() : List.of();
    }
  }

  /** The items of a JSON array blob, as plain values. */
  List<Object> jsonItems(byte[] bytes, String where) throws IOException {
    JsonNode existing = MAPPER.readTree(new String(bytes, charset()));
    if (existing == null || !existing.isArray()) {
      throw new IOException("cannot append to " + where + ": it does not hold a JSON array");
    }
    List<Object> items = new ArrayList<>();
    existing.forEach(n -> items.add(CanonicalJson.toPlain(n)));
    return items;
  }

  /**
   * Writes {@code rows} (after {@code oldItems} of a JSON array rewritten whole) to {@code out}.
   */
  void serialise(
      Iterable<Map<String, Object>> rows,
      List<String> fields,
      boolean header,
      List<Object> oldItems,
      OutputStream out)
      throws IOException {
    Charset charset = charset();
    switch (format) {
      case CSV -> CsvSinkWriter.print(out, charset, delimiter, fields, Map.of(), header, rows);
      case JSON -> {
        Iterable<?> items =
            oldItems.isEmpty()
                ? rows
                : () ->
                    Stream.concat(
                            oldItems.stream(), StreamSupport.stream(rows.spliterator(), false))
                        .iterator();
        // ELSPETH's blob sink writes json.dumps(rows, indent=2).
        JsonSinkWriter.print(out, charset, JsonSinkWriter.Format.JSON, 2, items);
      }
      // Each line ended by "\n" (ELSPETH's blob sink leaves the last one open; a blob appended
      // to later needs it closed).
      case JSONL -> JsonSinkWriter.print(out, charset, JsonSinkWriter.Format.JSONL, -1, rows);
    }
    out.flush();
  }
}
