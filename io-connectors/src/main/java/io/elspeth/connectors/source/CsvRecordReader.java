package io.elspeth.connectors.source;

import io.elspeth.connectors.schema.FieldNormalizer;
import io.elspeth.connectors.schema.NormalizationResult;
import io.elspeth.connectors.split.ReadPosition;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * CSV records, split by {@link CsvScanner} on the bytes and then decoded strictly: quoted fields
 * may span lines; the first row is the header unless {@code columns} names the fields. Nothing is
 * altered or dropped: a row with the wrong number of fields, a record whose bytes are not valid in
 * the encoding (kept as base64 too), a record with broken quoting (its first line, verbatim) and a
 * record over a {@link SourceLimits limit} (an excerpt, its size and SHA-256) are malformed
 * records, quarantined by the source, and the rows after them are read on.
 */
public final class CsvRecordReader implements RecordReader {
  private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private final char delimiter;
  private final String encoding;
  private final int skipRows;
  private final List<String> columns;
  private final boolean normalizeFields;
  private final Map<String, String> fieldMapping;
  private final SourceLimits limits;

  public CsvRecordReader(
      char delimiter,
      String encoding,
      int skipRows,
      List<String> columns,
      boolean normalizeFields,
      Map<String, String> fieldMapping) {
    this(
        delimiter,
        encoding,
        skipRows,
        columns,
        normalizeFields,
        fieldMapping,
        SourceLimits.DEFAULT);
  }

  private CsvRecordReader(
      char delimiter,
      String encoding,
      int skipRows,
      List<String> columns,
      boolean normalizeFields,
      Map<String, String> fieldMapping,
      SourceLimits limits) {
    this.delimiter = delimiter;
    this.encoding = encoding;
    this.skipRows = skipRows;
    this.columns = List.copyOf(columns);
    this.normalizeFields = normalizeFields;
    this.fieldMapping = Map.copyOf(fieldMapping);
    this.limits = limits;
  }

  /** This reader with other size limits. */
  public CsvRecordReader withLimits(SourceLimits newLimits) {
    return new CsvRecordReader(
        delimiter, encoding, skipRows, columns, normalizeFields, fieldMapping, newLimits);
  }

  @Override
  public boolean textValues() {
    return true;
  }

  /**
   * Whether records can be split on the bytes of {@code charset}: line breaks and the quote are
   * their ASCII bytes and never part of another character (UTF-8, ASCII-compatible single-byte
   * charsets). Other charsets are transcoded to UTF-8 first and cannot be resumed at an offset.
   */
  static boolean byteLevel(Charset charset) {
    if (charset.equals(StandardCharsets.UTF_8) || charset.equals(StandardCharsets.US_ASCII)) {
      return true;
    }
    return charset.canEncode()
        && charset.newEncoder().maxBytesPerChar() == 1
        && Arrays.equals("\n\r\"".getBytes(charset), new byte[] {'\n', '\r', '"'});
  }

  @Override
  public RecordCursor open(Input input, ReadPosition from) throws IOException {
    Charset charset = Charset.forName(encoding);
    boolean byteLevel = byteLevel(charset);
    if (from.offset() != 0 && !byteLevel) {
      throw new IOException("cannot resume reading " + encoding + " text at byte " + from.offset());
    }
    Charset scanned = byteLevel ? charset : StandardCharsets.UTF_8;
    byte delimiterByte = delimiterByte(scanned);
    Cursor cursor = new Cursor(scanned, byteLevel);
    if (from.offset() == 0 && !byteLevel) {
      cursor.transcoding = new Utf8Transcoding(input.openAt(0), charset);
      cursor.begin(
          new CsvScanner(
              cursor.transcoding,
              0,
              0,
              delimiterByte,
              limits.maxFieldBytes(),
              limits.maxRowBytes(),
              null));
    } else if (from.offset() == 0) {
      cursor.begin(scanner(input, 0, 0, delimiterByte, charset, byteLevel));
    } else {
      // The header is at the start of the file: read it, then go on where the read stopped.
      CsvScanner head = scanner(input, 0, 0, delimiterByte, charset, true);
      try (head) {
        cursor.begin(head);
      }
      cursor.scanner = scanner(input, from.offset(), from.lines(), delimiterByte, charset, true);
      cursor.records = from.records();
    }
    return cursor;
  }

  private byte delimiterByte(Charset charset) throws IOException {
    if (delimiter == '"'
        || delimiter == '\r'
        || delimiter == '\n'
        || !charset.newEncoder().canEncode(delimiter)) {
      throw new IOException(
          "delimiter '" + delimiter + "' cannot separate " + encoding + " fields");
    }
    byte[] b = String.valueOf(delimiter).getBytes(charset);
    if (b.length != 1) {
      throw new IOException(
          "delimiter '"
              + delimiter
              + "' is not a single byte in "
              + encoding
              + "; use an ASCII delimiter");
    }
    return b[0];
  }

  private CsvScanner scanner(
      Input input, long offset, long lines, byte delimiterByte, Charset charset, boolean byteLevel)
      throws IOException {
    InputStream in = input.openAt(offset);
    if (!byteLevel) {
      return new CsvScanner(
          new Utf8Transcoding(in, charset),
          0,
          lines,
          delimiterByte,
          limits.maxFieldBytes(),
          limits.maxRowBytes(),
          null);
    }
    return new CsvScanner(
        in,
        offset,
        lines,
        delimiterByte,
        limits.maxFieldBytes(),
        limits.maxRowBytes(),
        input.reopenable() ? input : null);
  }

  private final class Cursor extends LookaheadCursor {
    private final Charset charset;
    private final CharsetDecoder decoder;
    private final boolean byteLevel;
    private @Nullable CsvScanner scanner;

    /** The UTF-8 view of a UTF-16/32 (or other multi-byte) input; null for byte-level input. */
    private @Nullable Utf8Transcoding transcoding;

    private List<String> fields = List.of();
    private Map<String, String> resolution = Map.of();
    private long records;

    Cursor(Charset charset, boolean byteLevel) {
      this.charset = charset;
      this.decoder = QuarantinedBytes.strictDecoder(charset);
      this.byteLevel = byteLevel;
    }

    /** Reads from the start: byte order mark, skipped lines, header. */
    void begin(CsvScanner s) throws IOException {
      scanner = s;
      // A byte order mark belongs to the file, not to its first value (headerless files too).
      if (charset.equals(StandardCharsets.UTF_8)) {
        s.skipPrefix(UTF8_BOM);
      }
      for (int i = 0; i < skipRows; i++) {
        if (!s.skipLine()) {
          break;
        }
      }
      List<String> header;
      if (columns.isEmpty()) {
        header = header(s);
        records = 1;
      } else {
        header = columns;
      }
      // Names given in `columns` are used exactly as written; only file headers are normalised.
      NormalizationResult names =
          FieldNormalizer.normalize(header, normalizeFields && columns.isEmpty(), fieldMapping);
      fields = names.names();
      resolution = names.resolution();
    }

    private List<String> header(CsvScanner s) throws IOException {
      CsvScanner.Scanned h = s.next();
      if (h == null) {
        throw new IOException(
            skipRows == 0
                ? "the file is empty: no header row"
                : "no header row after the " + skipRows + " skipped lines");
      }
      String text = h.complete() ? QuarantinedBytes.strict(decoder, h.bytes(), h.held()) : null;
      if (h.problem() != null || text == null) {
        throw new IOException(
            "header row ("
                + h.location()
                + ") is unreadable: "
                + (h.problem() != null ? h.problem() : "bytes not valid " + charset.name()));
      }
      return split(text, delimiter);
    }

    @Override
    Item fetch() throws IOException {
      if (scanner == null) {
        return new Item(null, ReadPosition.UNKNOWN, records, 0);
      }
      long offset = byteLevel ? scanner.offset() : ReadPosition.UNKNOWN;
      long lines = scanner.lines();
      long before = records;
      CsvScanner.Scanned s = scanner.next();
      if (s == null) {
        return new Item(
            null, byteLevel ? scanner.offset() : ReadPosition.UNKNOWN, before, scanner.lines());
      }
      records++;
      return new Item(toParsed(s), offset, before, lines);
    }

    private ParsedRecord toParsed(CsvScanner.Scanned s) {
      String location = s.location();
      if (!s.complete()) {
        return ParsedRecord.malformed(
            QuarantinedBytes.cut(
                s.bytes(),
                s.held(),
                s.size(),
                Objects.requireNonNull(s.sha256(), "an incomplete record has its hash"),
                charset),
            Objects.requireNonNull(s.problem(), "an incomplete record has its problem"),
            location);
      }
      String text = QuarantinedBytes.strict(decoder, s.bytes(), s.held());
      if (text == null && transcoding != null) {
        java.util.Optional<Utf8Transcoding.Original> original =
            transcoding.original(s.start(), s.bytes(), s.held());
        if (original.isPresent()) {
          return ParsedRecord.malformed(
              original.get().raw(transcoding.charset()),
              original.get().problem(transcoding.charset())
                  + (s.problem() == null ? "" : "; " + s.problem()),
              location);
        }
      }
      if (text == null) {
        int bad = QuarantinedBytes.firstInvalid(s.bytes(), s.held(), charset);
        String problem =
            "bytes not valid "
                + charset.name()
                + ": 0x"
                + String.format("%02X", s.bytes()[bad])
                + " at byte "
                + (s.start() + bad)
                + " of the input"
                + (s.problem() == null ? "" : "; " + s.problem());
        return ParsedRecord.malformed(
            QuarantinedBytes.undecodable(s.bytes(), s.held(), charset), problem, location);
      }
      if (s.problem() != null) {
        return ParsedRecord.malformed(QuarantinedBytes.verbatim(text), s.problem(), location);
      }
      List<String> values = split(text, delimiter);
      if (values.size() != fields.size()) {
        Map<String, Object> raw = new LinkedHashMap<>();
        for (int i = 0; i < values.size(); i++) {
          raw.put(
              i < fields.size() ? fields.get(i) : "_extra_" + (i - fields.size() + 1),
              values.get(i));
        }
        return ParsedRecord.malformed(
            raw, "expected " + fields.size() + " fields, got " + values.size(), location);
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
      if (scanner != null) {
        scanner.close();
      }
    }
  }

  /**
   * The values of one record's text, which {@link CsvScanner} has checked: a quoted value ends at
   * its closing quote ({@code ""} is a quote) and only whitespace follows it up to the delimiter.
   */
  static List<String> split(String s, char delimiter) {
    List<String> values = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (true) {
      if (i < n && s.charAt(i) == '"') {
        StringBuilder value = new StringBuilder();
        i++;
        while (true) {
          char c = s.charAt(i++);
          if (c == '"') {
            if (i < n && s.charAt(i) == '"') {
              value.append('"');
              i++;
            } else {
              break;
            }
          } else {
            value.append(c);
          }
        }
        while (i < n && s.charAt(i) != delimiter) {
          i++;
        }
        values.add(value.toString());
      } else {
        int j = s.indexOf(delimiter, i);
        if (j < 0) {
          j = n;
        }
        values.add(s.substring(i, j));
        i = j;
      }
      if (i >= n) {
        return values;
      }
      i++;
    }
  }
}
