package io.elspeth.connectors.sink;

import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.schema.FieldSpec;
import io.elspeth.connectors.schema.SchemaSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * CSV sink file. The header is the schema's declared fields followed by any other field the rows
 * carry, in order of first appearance, so that no value is dropped when rows differ in shape (a
 * quarantine sink receives rows of any shape). {@code headers} renames columns for display. {@code
 * append} mode keeps the existing file and its header.
 */
public final class CsvSinkWriter implements SinkWriter {
  private final String path;
  private final char delimiter;
  private final String encoding;
  private final boolean append;
  private final SchemaSpec schema;
  private final Map<String, String> displayHeaders;

  /** The header of the file appended to, read once for {@link #cannotWrite}; empty if none. */
  private transient @Nullable List<String> fixedHeader;

  public CsvSinkWriter(
      String path,
      char delimiter,
      String encoding,
      boolean append,
      SchemaSpec schema,
      Map<String, String> displayHeaders) {
    this.path = path;
    this.delimiter = delimiter;
    this.encoding = encoding;
    this.append = append;
    this.schema = schema;
    this.displayHeaders = Map.copyOf(displayHeaders);
  }

  @Override
  public String target() {
    return path;
  }

  @Override
  public boolean appends() {
    return append;
  }

  @Override
  public Artifact write(Iterable<Map<String, Object>> rows, OperationCalls calls)
      throws IOException {
    return write(rows, calls, null);
  }

  /**
   * A row cannot be written when appending to a file whose header lacks one of its fields (the
   * header cannot grow, so the value would be lost) or when a cell's text (or a new column's name)
   * cannot be encoded in {@code encoding}.
   */
  @Override
  public java.util.Optional<String> cannotWrite(Map<String, Object> row) {
    List<String> header = fixedHeader;
    if (header == null) {
      try {
        header = append ? existingHeader(Path.of(path), Charset.forName(encoding)) : List.of();
      } catch (IOException | RuntimeException e) {
        // The write itself reports an unreadable file; a row is not to blame for it.
        header = List.of();
      }
      fixedHeader = header;
    }
    return unwritable(row, Charset.forName(encoding), header);
  }

  /**
   * Why {@code row} cannot be a CSV record in {@code charset}: a field outside a non-empty {@code
   * fixedHeader}, a field name or cell text the charset cannot encode, a nested value with no JSON
   * text.
   */
  public static java.util.Optional<String> unwritable(
      Map<String, Object> row, Charset charset, List<String> fixedHeader) {
    for (Map.Entry<String, Object> e : row.entrySet()) {
      String field = e.getKey();
      if (!fixedHeader.isEmpty() && !fixedHeader.contains(field)) {
        return java.util.Optional.of(
            "field "
                + Unwritable.field(field)
                + " is not a column of the existing header "
                + fixedHeader
                + " (appending cannot add a column)");
      }
      if (fixedHeader.isEmpty() && !Unwritable.encodable(field, charset)) {
        return java.util.Optional.of(
            "field name " + Unwritable.field(field) + " cannot be encoded in " + charset.name());
      }
      String text;
      try {
        text = CellText.of(e.getValue());
      } catch (IllegalStateException ex) {
        return java.util.Optional.of(
            "field " + Unwritable.field(field) + " holds a value with no JSON text");
      }
      if (!Unwritable.encodable(text, charset)) {
        return java.util.Optional.of(
            "the value of field "
                + Unwritable.field(field)
                + " cannot be encoded in "
                + charset.name()
                + " (it would be altered)");
      }
    }
    return java.util.Optional.empty();
  }

  @Override
  public Artifact write(
      Iterable<Map<String, Object>> rows, OperationCalls calls, @Nullable Publisher publisher)
      throws IOException {
    Path file = Path.of(path);
    Charset charset = Charset.forName(encoding);
    List<String> existingHeader = append ? existingHeader(file, charset) : List.of();
    List<String> fields = existingHeader.isEmpty() ? fieldsOf(schema, rows) : existingHeader;
    // The existing header cannot grow, so a field outside it would be silently lost: refuse
    // instead.
    for (Map<String, Object> row :
        existingHeader.isEmpty() ? List.<Map<String, Object>>of() : rows) {
      for (String key : row.keySet()) {
        if (!fields.contains(key)) {
          throw new IOException(
              "cannot append to " + file + ": field '" + key + "' is not in its header " + fields);
        }
      }
    }
    return DurableFile.write(
        file,
        out -> {
          if (!existingHeader.isEmpty()) {
            try (InputStream in = Files.newInputStream(file)) {
              in.transferTo(out);
            }
          }
          print(out, charset, delimiter, fields, displayHeaders, existingHeader.isEmpty(), rows);
        },
        publisher);
  }

  /**
   * Prints rows as CSV to {@code out} (left open): the header (display names) when asked, then one
   * record per row with a cell per field, values as Python writes them; byte for byte as ELSPETH's
   * csv sink (Python's {@code csv.DictWriter} defaults): records end with "\r\n", a cell is quoted
   * only when it holds the delimiter, a quote, "\r" or "\n" (quotes doubled), and a record of one
   * empty cell is written {@code ""}.
   */
  public static void print(
      OutputStream out,
      Charset charset,
      char delimiter,
      List<String> fields,
      Map<String, String> displayHeaders,
      boolean header,
      Iterable<Map<String, Object>> rows)
      throws IOException {
    Writer writer =
        new java.io.BufferedWriter(new OutputStreamWriter(new NonClosing(out), charset));
    if (header && !fields.isEmpty()) {
      List<String> shown = new ArrayList<>();
      fields.forEach(f -> shown.add(displayHeaders.getOrDefault(f, f)));
      printRecord(writer, delimiter, shown);
    }
    List<String> cells = new ArrayList<>(fields.size());
    for (Map<String, Object> row : rows) {
      cells.clear();
      for (String f : fields) {
        cells.add(CellText.of(row.get(f)));
      }
      printRecord(writer, delimiter, cells);
    }
    writer.flush();
  }

  private static void printRecord(Writer writer, char delimiter, List<String> cells)
      throws IOException {
    if (cells.size() == 1 && cells.get(0).isEmpty()) {
      writer.write("\"\"\r\n"); // Python's csv writes a lone empty cell quoted
      return;
    }
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        writer.write(delimiter);
      }
      String cell = cells.get(i);
      if (cell.indexOf(delimiter) >= 0
          || cell.indexOf('"') >= 0
          || cell.indexOf('\r') >= 0
          || cell.indexOf('\n') >= 0) {
        writer.write('"');
        writer.write(cell.replace("\"", "\"\""));
        writer.write('"');
      } else {
        writer.write(cell);
      }
    }
    writer.write("\r\n");
  }

  /** The schema's declared fields, then every other field of the rows in order of appearance. */
  public static List<String> fieldsOf(SchemaSpec schema, Iterable<Map<String, Object>> rows) {
    Set<String> fields = new LinkedHashSet<>();
    if (schema.mode() != SchemaSpec.Mode.DYNAMIC) {
      schema.fields().stream().map(FieldSpec::name).forEach(fields::add);
    }
    rows.forEach(r -> fields.addAll(r.keySet()));
    return new ArrayList<>(fields);
  }

  private List<String> existingHeader(Path file, Charset charset) throws IOException {
    if (!Files.exists(file) || Files.size(file) == 0) {
      return List.of();
    }
    try (CSVParser parser =
        CSVParser.parse(file, charset, CSVFormat.DEFAULT.builder().setDelimiter(delimiter).get())) {
      var it = parser.iterator();
      if (!it.hasNext()) {
        return List.of();
      }
      List<String> shown = it.next().toList();
      List<String> fields = new ArrayList<>();
      for (String s : shown) {
        String field = s;
        for (Map.Entry<String, String> e : displayHeaders.entrySet()) {
          if (e.getValue().equals(s)) {
            field = e.getKey();
          }
        }
        fields.add(field);
      }
      return fields;
    }
  }

  /** Lets the printer flush through the writer without closing the durable file's stream. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
