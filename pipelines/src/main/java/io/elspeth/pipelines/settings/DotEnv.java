package io.elspeth.pipelines.settings;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code .env} file as python-dotenv reads it: {@code KEY=value} lines, optional {@code export}
 * prefix, {@code #} comments, values optionally in single or double quotes. A variable set twice is
 * refused, naming both lines (never the values: they may be secrets).
 */
final class DotEnv {
  private DotEnv() {}

  static Map<String, String> read(Path file) {
    Map<String, String> values = new LinkedHashMap<>();
    if (!Files.isRegularFile(file)) {
      return values;
    }
    Map<String, Integer> lineOf = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    try {
      if (Files.size(file) > SettingsYaml.MAX_BYTES) {
        throw new SettingsException(
            file, List.of("the file is larger than " + SettingsYaml.MAX_BYTES + " bytes (1 MiB)"));
      }
      List<String> lines = Files.readAllLines(file);
      for (int n = 1; n <= lines.size(); n++) {
        String l = lines.get(n - 1).strip();
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
        if (value.length() >= 2
            && (value.startsWith("\"") && value.endsWith("\"")
                || value.startsWith("'") && value.endsWith("'"))) {
          value = value.substring(1, value.length() - 1);
        } else {
          int hash = value.indexOf(" #");
          if (hash >= 0) {
            value = value.substring(0, hash).strip();
          }
        }
        Integer first = lineOf.putIfAbsent(key, n);
        if (first != null) {
          // Which one wins is a guess nobody should have to make; the value is never shown.
          problems.add(
              key + ": set twice, at line " + first + " and again at line " + n + "; keep one");
        }
        values.put(key, value);
      }
    } catch (CharacterCodingException e) {
      throw new SettingsException(file, List.of("not UTF-8 text (save the file as UTF-8)"));
    } catch (IOException e) {
      throw new SettingsException(file, List.of("cannot read: " + e.getMessage()));
    }
    if (!problems.isEmpty()) {
      throw new SettingsException(file, problems);
    }
    return values;
  }
}
