package io.elspeth.pipelines.settings;

import java.nio.file.Path;
import java.util.List;

/**
 * The settings file cannot be used: every problem found, each naming its key path and what was
 * expected, so a user fixes them all in one pass.
 */
public class SettingsException extends RuntimeException {
  private final Path file;
  private final List<String> problems;

  public SettingsException(Path file, List<String> problems) {
    super(format(file, problems));
    this.file = file;
    this.problems = List.copyOf(problems);
  }

  public Path file() {
    return file;
  }

  public List<String> problems() {
    return problems;
  }

  private static String format(Path file, List<String> problems) {
    StringBuilder sb = new StringBuilder();
    sb.append(file)
        .append(": ")
        .append(problems.size())
        .append(problems.size() == 1 ? " problem" : " problems");
    for (String p : problems) {
      sb.append("\n  - ").append(p);
    }
    return sb.toString();
  }
}
