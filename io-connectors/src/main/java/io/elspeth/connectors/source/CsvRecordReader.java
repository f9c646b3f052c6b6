package io.elspeth.connectors.source;

import io.elspeth.connectors.schema.FieldNormalizer;
import io.elspeth.connectors.schema.NormalizationResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * CSV records through Apache Commons CSV: quoted fields may span lines; the first row is the
 * header unless {@code columns} names the fields; a row with the wrong number of fields is
 * malformed (kept raw, quarantined by the source), never silently padded or cut.
 */
public final class CsvRecordReader implements RecordReader {
  private final char delimiter;
  private final String encoding;
  private final int skipRows;
  private final List<String> columns;
  private final boolean normalizeFields;
  private final Map<String, String> fieldMapping;

  public CsvRecordReader(char delimiter, String encoding, int skipRows, List<String> columns,
      boolean normalizeFields, Map<String, String> fieldMapping) {
    this.delimiter = delimiter;
    this.encoding = encoding;
    this.skipRows = skipRows;
    this.columns = List.copyOf(columns);
    this.normalizeFields = normalizeFields;
    this.fieldMapping = Map.copyOf(fieldMapping);
  }

  @Override
  public boolean textValues() {
    return true;
  }

  @Override
  public Map<String, String> read(InputStream in, Consumer<ParsedRecord> out) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, Charset.forName(encoding)));
    // A byte order mark belongs to the file, not to its first value (headerless files too).
    reader.mark(1);
    if (reader.read() != '\uFEFF') {
      reader.reset();
    }
    for (int i = 0; i < skipRows; i++) {
      if (reader.readLine() == null) {
        return Map.of();
      }
    }
    CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter)
        .setIgnoreEmptyLines(true).get();
    try (Reader r = reader; CSVParser parser = CSVParser.parse(r, format)) {
      Iterator<CSVRecord> it = parser.iterator();
      List<String> header;
      if (columns.isEmpty()) {
        if (!it.hasNext()) {
          return Map.of();
        }
        header = it.next().toList();
        if (!header.isEmpty()) {
          header.set(0, stripBom(header.get(0)));
        }
      } else {
        header = columns;
      }
      // Names given in `columns` are used exactly as written; only file headers are normalised.
      NormalizationResult names =
          FieldNormalizer.normalize(header, normalizeFields && columns.isEmpty(), fieldMapping);
      List<String> fields = names.names();
      while (it.hasNext()) {
        CSVRecord rec;
        try {
          rec = it.next();
        } catch (IllegalStateException | java.io.UncheckedIOException e) {
          // Commons CSV cannot resynchronise after a broken quote: the rest of the file is one
          // malformed record, kept whole.
          Map<String, Object> raw = new LinkedHashMap<>();
          raw.put("_raw", String.valueOf(e.getMessage()));
          out.accept(ParsedRecord.malformed(raw, "unparseable CSV: " + e.getMessage(),
              "line " + parser.getCurrentLineNumber()));
          break;
        }
        // The record number already counts a header row read from the file.
        String location = "line " + (rec.getRecordNumber() + skipRows);
        List<String> values = rec.toList();
        if (values.size() != fields.size()) {
          Map<String, Object> raw = new LinkedHashMap<>();
          for (int i = 0; i < values.size(); i++) {
            raw.put(i < fields.size() ? fields.get(i) : "_extra_" + (i - fields.size() + 1),
                values.get(i));
          }
          out.accept(ParsedRecord.malformed(raw, "expected " + fields.size() + " fields, got "
              + values.size(), location));
          continue;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < fields.size(); i++) {
          row.put(fields.get(i), values.get(i));
        }
        out.accept(ParsedRecord.row(row, location));
      }
      return names.resolution();
    }
  }

  private static String stripBom(String s) {
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }
}
