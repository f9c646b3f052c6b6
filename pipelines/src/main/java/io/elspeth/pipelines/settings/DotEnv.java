package io.elspeth.pipelines.settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code .env} file as python-dotenv reads it: {@code KEY=value} lines, optional
 * {@code export} prefix, {@code #} comments, values optionally in single or double quotes.
 */
final class DotEnv {
  private DotEnv() {}

  static Map<String, String> read(Path file) {
    Map<String, String> values = new LinkedHashMap<>();
    if (!Files.isRegularFile(file)) {
      return values;
    }
    try {
      for (String line : Files.readAllLines(file)) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        if (l.startsWith("export ")) {
          l = l.substring("export ".length()).strip();
        }
        int eq = l.indexOf('=');
        if (eq <= 0) {
          continue;
        }
        String key = l.substring(0, eq).strip();
        String value = l.substring(eq + 1).strip();
        if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
            || value.startsWith("'") && value.endsWith("'"))) {
          value = value.substring(1, value.length() - 1);
        } else {
          int hash = value.indexOf(" #");
          if (hash >= 0) {
            value = value.substring(0, hash).strip();
          }
        }
        values.put(key, value);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return values;
  }
}
