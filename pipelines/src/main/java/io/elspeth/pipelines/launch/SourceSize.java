package io.elspeth.pipelines.launch;

import io.elspeth.pipelines.settings.PipelineSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Estimates how many rows a run's source holds, for the time-left estimate of its progress: a local
 * CSV or JSON-lines file, one row a line, its line count read from its first MiB and scaled to its
 * size (exact for a smaller file). Other sources (a JSON array, a blob, a glob) give no estimate.
 * The reader itself is not involved: this only looks at the file.
 */
final class SourceSize {
  private static final int SAMPLE_BYTES = 1 << 20;

  private SourceSize() {}

  /** The estimated row count, or -1 when it cannot be told. */
  static long estimateRows(PipelineSettings settings) {
    String plugin = settings.source().plugin();
    String path =
        settings.source().options().has("path") ? settings.source().options().string("path") : null;
    if (path == null) {
      return -1;
    }
    boolean csv = "csv".equals(plugin);
    boolean jsonl = "json".equals(plugin) && path.toLowerCase(Locale.ROOT).endsWith(".jsonl");
    if (!csv && !jsonl) {
      return -1;
    }
    try {
      Path file = Path.of(path);
      if (!Files.isRegularFile(file)) {
        return -1;
      }
      long size = Files.size(file);
      long lines = 0;
      long sampled = 0;
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = Files.newInputStream(file)) {
        int n;
        while (sampled < SAMPLE_BYTES && (n = in.read(buffer)) > 0) {
          for (int i = 0; i < n; i++) {
            if (buffer[i] == '\n') {
              lines++;
            }
          }
          sampled += n;
        }
      }
      if (sampled == 0) {
        return 0;
      }
      long estimate = sampled >= size ? lines : Math.round(lines * (double) size / sampled);
      // A CSV file's first line is its header.
      return Math.max(0, csv ? estimate - 1 : estimate);
    } catch (IOException | InvalidPathException e) {
      return -1;
    }
  }
}
