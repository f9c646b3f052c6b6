package io.elspeth.connectors.lineage;

import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.metrics.Lineage;

/**
 * A dataset a source reads or a sink writes, named the way Beam's lineage metric ({@link Lineage})
 * names datasets: a system ({@code file}, {@code abs} for Azure Blob Storage, the JDBC scheme of a
 * database) and the segments of its fully qualified name. Reported from the DoFn that does the I/O,
 * so runners that surface Beam lineage show the pipeline's inputs and outputs. Never holds a
 * secret: paths, account, container and blob names, database address without credentials, table.
 *
 * @param system Beam's lineage system
 * @param segments the name's parts, outermost first
 */
public record DatasetName(String system, List<String> segments) {
  public DatasetName {
    Objects.requireNonNull(system, "system");
    segments = List.copyOf(segments);
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("a dataset name needs at least one segment");
    }
  }

  /** A local or mounted file: system {@code file}, the path as one segment. */
  public static DatasetName file(String path) {
    String p = path.startsWith("file:") ? path.substring("file:".length()) : path;
    return new DatasetName("file", List.of(p));
  }

  /** A blob of Azure Blob Storage: system {@code abs}, account, container, blob name. */
  public static DatasetName azureBlob(String account, String container, String blobName) {
    return new DatasetName("abs", List.of(account, container, blobName));
  }

  /** Records this dataset as read by the step running now. */
  public void reportRead() {
    Lineage.getSources().add(system, segments);
  }

  /** Records this dataset as written by the step running now. */
  public void reportWritten() {
    Lineage.getSinks().add(system, segments);
  }

  /** Beam's fully qualified name, {@code system:seg1.seg2}, as its lineage query returns it. */
  public String fullyQualifiedName() {
    StringBuilder s = new StringBuilder(system).append(':');
    for (int i = 0; i < segments.size(); i++) {
      if (i > 0) {
        s.append('.');
      }
      s.append(Lineage.wrapSegment(segments.get(i)));
    }
    return s.toString();
  }
}
