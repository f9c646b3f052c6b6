package io.elspeth.connectors.sink;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Writes all rows of one sink durably, in the order given, and describes what it produced. A
 * writer returns only once the output is durable (for files: written, fsynced and renamed into
 * place), because outcomes are recorded after it returns.
 */
public interface SinkWriter extends Serializable {
  Artifact write(List<Map<String, Object>> rows) throws IOException;

  /** Where the output goes, for plans and messages. */
  String target();

  /** What a sink write produced: an artifacts row. */
  record Artifact(String artifactType, String pathOrUri, String contentHash, long sizeBytes) {}
}
