package io.elspeth.connectors.plugins;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Pre-run checks of input files. */
final class FileChecks {
  private FileChecks() {}

  static List<String> readable(String path) {
    Path p = Path.of(path);
    if (!Files.exists(p)) {
      return List.of("path: input file not found: " + p.toAbsolutePath());
    }
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      return List.of("path: not a readable file: " + p.toAbsolutePath());
    }
    return List.of();
  }
}
