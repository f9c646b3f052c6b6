package io.elspeth.testkit.chaosllm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The files of the chaos Batch API: input files uploaded through {@code POST /openai/files} and the
 * output and error files batches produce, by id, with their Files API description.
 */
final class BatchFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A stored file; {@code createdAt} in epoch seconds. */
  record StoredFile(String id, String filename, String purpose, byte[] content, long createdAt) {}

  private final Map<String, StoredFile> files = new ConcurrentHashMap<>();

  /** Keeps {@code content} under a new file id. */
  StoredFile store(String filename, String purpose, byte[] content) {
    String id = "file-" + UUID.randomUUID().toString().replace("-", "");
    StoredFile file =
        new StoredFile(id, filename, purpose, content, Instant.now().getEpochSecond());
    files.put(id, file);
    return file;
  }

  @Nullable StoredFile get(String id) {
    return files.get(id);
  }

  void clear() {
    files.clear();
  }

  /** The Files API's description of {@code f}. */
  static ObjectNode json(StoredFile f) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", f.id())
        .put("object", "file")
        .put("bytes", f.content().length)
        .put("created_at", f.createdAt())
        .put("filename", f.filename())
        .put("purpose", f.purpose())
        .put("status", "processed");
    return n;
  }
}
