package io.elspeth.connectors.sink;

import io.elspeth.connectors.operation.OperationCalls;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
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
 * JSON sink file: {@code json} writes one array of row objects (indented when {@code indent} is
 * set), {@code jsonl} one object per line. {@code append} adds to an existing file (for an array:
 * the existing items are kept first).
 */
public final class JsonSinkWriter implements SinkWriter {
  /** json: one array; jsonl: one object per line. */
  public enum Format { JSON, JSONL }

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
  public Artifact write(Iterable<Map<String, Object>> rows, OperationCalls calls,
      @Nullable Publisher publisher) throws IOException {
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
    Iterable<?> items = existingItems.isEmpty() ? rows
        : () -> java.util.stream.Stream.concat(existingItems.stream(),
            java.util.stream.StreamSupport.stream(rows.spliterator(), false)).iterator();
    return DurableFile.write(file, out -> {
      if (keep && format == Format.JSONL) {
        try (InputStream in = Files.newInputStream(file)) {
          in.transferTo(out);
        }
      }
      print(out, charset, format, indent, items);
    }, publisher);
  }

  /** Prints items to {@code out} (left open) as one JSON array or as JSON Lines. */
  public static void print(OutputStream out, Charset charset, Format format, int indent,
      Iterable<?> items) throws IOException {
    Writer writer = new OutputStreamWriter(out, charset);
    if (format == Format.JSONL) {
      for (Object row : items) {
        writer.write(MAPPER.writeValueAsString(row));
        writer.write('\n');
      }
    } else {
      JsonGenerator gen = MAPPER.getFactory().createGenerator(writer);
      if (indent > 0) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter(" ".repeat(indent), "\n"))
            .withArrayIndenter(new DefaultIndenter(" ".repeat(indent), "\n"));
        gen.setPrettyPrinter(pp);
      }
      gen.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      // Item by item, as one array: the items may be streamed from disk.
      gen.writeStartArray();
      for (Object item : items) {
        MAPPER.writeValue(gen, item);
      }
      gen.writeEndArray();
      gen.flush();
      writer.write('\n');
    }
    writer.flush();
  }
}
