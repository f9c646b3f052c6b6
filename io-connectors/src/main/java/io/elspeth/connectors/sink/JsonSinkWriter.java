package io.elspeth.connectors.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.canonical.PythonRepr;
import io.elspeth.connectors.operation.OperationCalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * JSON sink file: {@code json} writes one array of row objects (indented when {@code indent} is 0
 * or more, on one line when it is negative: the settings' default), {@code jsonl} one object per
 * line; both as ELSPETH writes them (see {@link #print}). {@code append} adds to an existing file
 * (for an array: the existing items are kept first).
 */
public final class JsonSinkWriter implements SinkWriter {
  /** json: one array; jsonl: one object per line. */
  public enum Format {
    JSON,
    JSONL
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String path;
  private final Format format;
  private final int indent;
  private final String encoding;
  private final boolean append;

  public JsonSinkWriter(String path, Format format, int indent, String encoding, boolean append) {
    this.path = path;
    this.format = format;
    this.indent = indent;
    this.encoding = encoding;
    this.append = append;
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

  @Override
  public java.util.Optional<String> cannotWrite(Map<String, Object> row) {
    return unwritable(row, Charset.forName(encoding));
  }

  /**
   * Why {@code row} cannot be a JSON object in {@code charset}: a NaN or infinity (JSON has no
   * literal for them; Jackson would write an invalid {@code NaN} token), a value Jackson cannot
   * serialise, or text the charset cannot encode (it would become {@code ?}).
   */
  public static java.util.Optional<String> unwritable(Map<String, Object> row, Charset charset) {
    for (Map.Entry<String, Object> e : row.entrySet()) {
      java.util.Optional<String> nonFinite = Unwritable.nonFinite(e.getKey(), e.getValue());
      if (nonFinite.isPresent()) {
        return java.util.Optional.of(
            "the value at "
                + Unwritable.field(nonFinite.get())
                + " is not a finite number, which JSON cannot hold");
      }
    }
    if (charset.name().startsWith("UTF-")) {
      // A Unicode charset can only fail on a lone surrogate: look at the text, not serialise.
      for (Map.Entry<String, Object> e : row.entrySet()) {
        if (!Unwritable.encodableText(e.getKey(), e.getValue(), charset)) {
          return java.util.Optional.of(
              "field "
                  + Unwritable.field(e.getKey())
                  + " (its name or value) cannot be encoded in "
                  + charset.name()
                  + " (it would be altered)");
        }
      }
      return java.util.Optional.empty();
    }
    String text;
    try {
      text = MAPPER.writeValueAsString(row);
    } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
      return java.util.Optional.of(
          "the row cannot be serialised as JSON: " + ex.getOriginalMessage());
    }
    if (!Unwritable.encodable(text, charset)) {
      for (Map.Entry<String, Object> e : row.entrySet()) {
        String field;
        try {
          field =
              MAPPER.writeValueAsString(
                  Map.of(e.getKey(), e.getValue() == null ? "" : e.getValue()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
          continue;
        }
        if (!Unwritable.encodable(field, charset)) {
          return java.util.Optional.of(
              "field "
                  + Unwritable.field(e.getKey())
                  + " (its name or value) cannot be encoded in "
                  + charset.name()
                  + " (it would be altered)");
        }
      }
      return java.util.Optional.of("the row cannot be encoded in " + charset.name());
    }
    return java.util.Optional.empty();
  }

  @Override
  public Artifact write(
      Iterable<Map<String, Object>> rows, OperationCalls calls, @Nullable Publisher publisher)
      throws IOException {
    Path file = Path.of(path);
    Charset charset = Charset.forName(encoding);
    boolean keep = append && Files.exists(file) && Files.size(file) > 0;
    List<Object> existingItems = new ArrayList<>();
    if (keep && format == Format.JSON) {
      JsonNode existing = MAPPER.readTree(Files.readString(file, charset));
      if (!existing.isArray()) {
        throw new IOException("cannot append to " + file + ": it does not hold a JSON array");
      }
      existing.forEach(n -> existingItems.add(CanonicalJson.toPlain(n)));
    }
    Iterable<?> items =
        existingItems.isEmpty()
            ? rows
            : () ->
                java.util.stream.Stream.concat(
                        existingItems.stream(),
                        java.util.stream.StreamSupport.stream(rows.spliterator(), false))
                    .iterator();
    return DurableFile.write(
        file,
        out -> {
          if (keep && format == Format.JSONL) {
            try (InputStream in = Files.newInputStream(file)) {
              in.transferTo(out);
            }
          }
          print(out, charset, format, indent, items);
        },
        publisher);
  }

  /**
   * Prints items to {@code out} (left open) as one JSON array or as JSON Lines, byte for byte as
   * ELSPETH's json sink writes them with Python's {@code json.dump}: ASCII only, ", " between items
   * and ": " after keys; an array without a trailing newline, indented by {@code indent} spaces per
   * level when {@code indent} is 0 or more ({@code json.dump(rows, indent=indent)}), on one line
   * when it is negative ({@code indent=None}, ELSPETH's default); a JSON Lines file one object per
   * line, each line ended by "\n" ({@code indent} does not apply).
   */
  public static void print(
      OutputStream out, Charset charset, Format format, int indent, Iterable<?> items)
      throws IOException {
    Writer writer = new OutputStreamWriter(out, charset);
    if (format == Format.JSONL) {
      for (Object row : items) {
        writer.write(PythonRepr.json(row));
        writer.write('\n');
      }
    } else {
      // Item by item, as one array: the items may be streamed from disk.
      String inner = indent < 0 ? "" : "\n" + " ".repeat(indent);
      boolean first = true;
      writer.write('[');
      for (Object item : items) {
        writer.write(first ? inner : (indent < 0 ? ", " : "," + inner));
        first = false;
        String text = PythonRepr.json(item, indent);
        // An item's own lines are one level deeper than the array's.
        writer.write(indent <= 0 ? text : text.replace("\n", "\n" + " ".repeat(indent)));
      }
      if (!first && indent >= 0) {
        writer.write('\n');
      }
      writer.write(']');
    }
    writer.flush();
  }
}
