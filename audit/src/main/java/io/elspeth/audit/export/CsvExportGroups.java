package io.elspeth.audit.export;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The rows of ELSPETH's CSV export (spec/landscape.md §7.3), one group per record type in the order
 * the types first appear, each row flattened ({@link ExportFlattener#flatten}) and keyed by the
 * sorted union of its group's keys (absent: null).
 *
 * <p>The union of a group's keys is known only after its last record, so the flattened rows are
 * spilled to a file per type in a private temporary folder in one pass over the records and read
 * back, aligned, when the group is written: a run of any size is exported in bounded memory. Values
 * keep their Java types through the spill (Java serialization of strings, numbers, booleans and
 * nulls), so a CSV cell reads as it would have without it. {@link #close} deletes the folder.
 */
public final class CsvExportGroups implements AutoCloseable {
  private final Path folder;
  private final Map<String, Group> groups;

  private static final class Group {
    final Path file;
    final TreeSet<String> keys = new TreeSet<>();
    final ObjectOutputStream out;
    long count;

    Group(Path file) throws IOException {
      this.file = file;
      this.out =
          new ObjectOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
    }
  }

  private CsvExportGroups(Path folder, Map<String, Group> groups) {
    this.folder = folder;
    this.groups = groups;
  }

  /**
   * Flattens {@code records} into groups spilled under a new temporary folder.
   *
   * @throws io.elspeth.audit.lineage.AuditIntegrityException when two keys flatten to one name, or
   *     a number is NaN or infinite
   * @throws IOException when the spill cannot be written
   */
  public static CsvExportGroups of(Iterator<Map<String, Object>> records) throws IOException {
    Path folder = Files.createTempDirectory("elspeth-csv-export");
    Map<String, Group> groups = new LinkedHashMap<>();
    CsvExportGroups result = new CsvExportGroups(folder, groups);
    try {
      while (records.hasNext()) {
        Map<String, Object> record = records.next();
        String type = String.valueOf(record.get("record_type"));
        Group g = groups.get(type);
        if (g == null) {
          g = new Group(folder.resolve("group-" + groups.size() + ".bin"));
          groups.put(type, g);
        }
        Map<String, Object> flat = ExportFlattener.flatten(record);
        g.keys.addAll(flat.keySet());
        g.out.writeObject(new LinkedHashMap<>(flat));
        // Forget the written objects: the stream would otherwise keep every one for
        // back-references.
        g.out.reset();
        g.count++;
      }
      for (Group g : groups.values()) {
        g.out.close();
      }
      return result;
    } catch (IOException | RuntimeException e) {
      result.close();
      throw e;
    }
  }

  /** The spill folder (tests). */
  Path folder() {
    return folder;
  }

  /** The record types, in the order they first appeared. */
  public List<String> types() {
    return List.copyOf(groups.keySet());
  }

  /** The number of rows of {@code type}. */
  public long count(String type) {
    Group g = groups.get(type);
    return g == null ? 0 : g.count;
  }

  /** The rows of {@code type}, each keyed by the group's sorted keys; readable more than once. */
  public Iterable<Map<String, Object>> rows(String type) {
    Group g = groups.get(type);
    if (g == null) {
      return List.of();
    }
    List<String> keys = Collections.unmodifiableList(new ArrayList<>(g.keys));
    return () ->
        new Iterator<>() {
          private long read;
          private @Nullable ObjectInputStream in;

          @Override
          public boolean hasNext() {
            if (read < g.count) {
              return true;
            }
            closeQuietly();
            return false;
          }

          @Override
          @SuppressWarnings("unchecked")
          public Map<String, Object> next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            try {
              ObjectInputStream stream = in;
              if (stream == null) {
                stream =
                    new ObjectInputStream(
                        new BufferedInputStream(Files.newInputStream(g.file), 1 << 16));
                in = stream;
              }
              Map<String, Object> flat = (Map<String, Object>) stream.readObject();
              read++;
              Map<String, Object> row = new LinkedHashMap<>();
              keys.forEach(k -> row.put(k, flat.get(k)));
              return row;
            } catch (IOException e) {
              closeQuietly();
              throw new UncheckedIOException("cannot read the CSV export's spill " + g.file, e);
            } catch (ClassNotFoundException e) {
              closeQuietly();
              throw new IllegalStateException(
                  "the CSV export's spill " + g.file + " holds an unknown class", e);
            }
          }

          private void closeQuietly() {
            ObjectInputStream stream = in;
            if (stream != null) {
              try {
                stream.close();
              } catch (IOException ignored) {
                // Read to the end, or failing anyway: nothing more to report.
              }
              in = null;
            }
          }
        };
  }

  @Override
  public void close() throws IOException {
    for (Group g : groups.values()) {
      try {
        g.out.close();
      } catch (IOException ignored) {
        // Already closed after the pass, or the pass failed: the file is deleted below.
      }
      Files.deleteIfExists(g.file);
    }
    Files.deleteIfExists(folder);
  }
}
