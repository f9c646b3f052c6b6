package io.elspeth.connectors.sink;

import io.elspeth.connectors.operation.OperationCalls;
import java.io.IOException;
import java.io.Serializable;
import java.util.Map;

/**
 * Writes all rows of one sink durably, in the order given, and describes what it produced. A
 * writer returns only once the output is durable (for files: written, fsynced and renamed into
 * place; for a blob: committed; for a database: the transaction committed), because outcomes are
 * recorded after it returns.
 *
 * <p>A writer that talks to an external service records each call (upload, INSERT batch) in
 * {@code calls}, under the sink_write operation; a failed call is recorded before the writer
 * throws, so the failure leaves its trail. Local file writers record no calls: a file is an
 * operation and an artifact.
 */
public interface SinkWriter extends Serializable {
  /**
   * Writes {@code rows}, in their order. The rows may be iterated more than once (a writer that
   * needs the fields of every row before the first one, as a CSV header does, makes two passes);
   * each pass may read them from disk, so a writer should not hold them all.
   */
  Artifact write(Iterable<Map<String, Object>> rows, OperationCalls calls) throws IOException;

  /** Where the output goes, for plans and messages; never holds a secret. */
  String target();

  /** What a sink write produced: an artifacts row. */
  record Artifact(String artifactType, String pathOrUri, String contentHash, long sizeBytes) {}
}
