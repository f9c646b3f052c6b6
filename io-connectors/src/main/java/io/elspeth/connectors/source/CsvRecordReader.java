package io.elspeth.connectors.source;

import io.elspeth.connectors.schema.FieldNormalizer;
import io.elspeth.connectors.schema.NormalizationResult;
import io.elspeth.connectors.split.ReadPosition;
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
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.checkerframework.checker.nullness.qual.Nullable;

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
  public RecordCursor open(Input input, ReadPosition from) throws IOException {
    Charset charset = Charset.forName(encoding);
    boolean tracked = OffsetTrackingReader.tracks(charset);
    if (from.offset() != 0 && !tracked) {
      throw new IOException("cannot resume reading " + encoding + " text at byte " + from.offset());
    }
    Cursor cursor = new Cursor(charset, tracked);
    if (from.offset() == 0) {
      cursor.begin(input.openAt(0), true);
    } else {
      // The header is at the start of the file: read it, then go on where the read stopped.
      try (Cursor header = new Cursor(charset, true)) {
        header.begin(input.openAt(0), false);
        cursor.fields = header.fields;
        cursor.resolution = header.resolution;
      }
      cursor.resume(input.openAt(from.offset()), from);
    }
    return cursor;
  }

  private final class Cursor extends LookaheadCursor {
    private final Charset charset;
    private final boolean tracked;
    private @Nullable OffsetTrackingReader tracking;
    private @Nullable Reader reader;
    private @Nullable CSVParser parser;
    private @Nullable Iterator<CSVRecord> it;
    private List<String> fields = List.of();
    private Map<String, String> resolution = Map.of();
    private long charBase;
    private long recordsBase;
    private long linesBase;
    private boolean done;

    Cursor(Charset charset, boolean tracked) {
      this.charset = charset;
      this.tracked = tracked;
    }

    private Reader reader(InputStream in, long offset) {
      if (tracked) {
        tracking = new OffsetTrackingReader(in, charset, offset);
        return tracking;
      }
      return new BufferedReader(new InputStreamReader(in, charset));
    }

    /** Reads from the start: byte order mark, skipped rows, header; records only if asked. */
    void begin(InputStream in, boolean records) throws IOException {
      reader = reader(in, 0);
      // A byte order mark belongs to the file, not to its first value (headerless files too).
      if (tracking != null) {
        if (tracking.peek() == '\uFEFF') {
          tracking.read();
        }
      } else {
        reader.mark(1);
        if (reader.read() != '\uFEFF') {
          reader.reset();
        }
      }
      for (int i = 0; i < skipRows; i++) {
        String line = tracking != null ? tracking.readLine() : ((BufferedReader) reader).readLine();
        if (line == null) {
          done = true;
          return;
        }
      }
      startParser(0, 0);
      List<String> header;
      if (columns.isEmpty()) {
        if (!it.hasNext()) {
          done = true;
          return;
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
      fields = names.names();
      resolution = names.resolution();
      if (!records) {
        done = true;
      }
    }

    void resume(InputStream in, ReadPosition from) throws IOException {
      reader = reader(in, from.offset());
      startParser(from.records(), from.lines());
    }

    private void startParser(long records, long lines) throws IOException {
      charBase = tracking == null ? 0 : tracking.charPosition();
      recordsBase = records;
      linesBase = lines;
      CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter)
          .setIgnoreEmptyLines(true).get();
      parser = CSVParser.parse(reader, format);
      it = parser.iterator();
    }

    @Override
    Item fetch() throws IOException {
      if (done || it == null) {
        return new Item(null, end(), 0, 0);
      }
      long records = recordsBase + parser.getRecordNumber();
      long lines = linesBase + parser.getCurrentLineNumber();
      CSVRecord rec;
      try {
        if (!it.hasNext()) {
          done = true;
          return new Item(null, end(), records, lines);
        }
        rec = it.next();
      } catch (IllegalStateException | java.io.UncheckedIOException e) {
        // Commons CSV cannot resynchronise after a broken quote: the rest of the file is one
        // malformed record, kept whole.
        done = true;
        tracking = null;
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("_raw", String.valueOf(e.getMessage()));
        return new Item(ParsedRecord.malformed(raw, "unparseable CSV: " + e.getMessage(),
            "line " + (linesBase + parser.getCurrentLineNumber())), ReadPosition.UNKNOWN,
            records, lines);
      }
      long offset = tracking == null ? ReadPosition.UNKNOWN
          : tracking.byteOffsetAt(charBase + rec.getCharacterPosition());
      return new Item(toParsed(rec), offset, records, lines);
    }

    private long end() {
      return tracking == null ? ReadPosition.UNKNOWN : tracking.byteOffsetAtEnd();
    }

    private ParsedRecord toParsed(CSVRecord rec) {
      // The record number already counts a header row read from the file.
      String location = "line " + (recordsBase + rec.getRecordNumber() + skipRows);
      List<String> values = rec.toList();
      if (values.size() != fields.size()) {
        Map<String, Object> raw = new LinkedHashMap<>();
        for (int i = 0; i < values.size(); i++) {
          raw.put(i < fields.size() ? fields.get(i) : "_extra_" + (i - fields.size() + 1),
              values.get(i));
        }
        return ParsedRecord.malformed(raw, "expected " + fields.size() + " fields, got "
            + values.size(), location);
      }
      Map<String, Object> row = new LinkedHashMap<>();
      for (int i = 0; i < fields.size(); i++) {
        row.put(fields.get(i), values.get(i));
      }
      return ParsedRecord.row(row, location);
    }

    @Override
    public Map<String, String> resolution() {
      return resolution;
    }

    @Override
    public void close() throws IOException {
      if (parser != null) {
        parser.close();
      } else if (reader != null) {
        reader.close();
      }
    }
  }

  private static String stripBom(String s) {
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }
}
