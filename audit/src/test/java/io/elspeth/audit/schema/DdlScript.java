package io.elspeth.audit.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the hand-written DDL of the first released schema version (test resources {@code
 * released/sqlite-v1.sql} and {@code released/postgresql-v1.sql}, which the first release ran
 * through this class to create a Landscape) and splits it into statements.
 *
 * <p>Reads a DDL resource of this package and splits it into statements. The format is deliberately
 * simple so no SQL parser is needed: a statement ends with a semicolon at the end of a line, lines
 * whose first non-blank characters are {@code --} are comments, and no other semicolon may occur.
 */
final class DdlScript {
  private DdlScript() {}

  /** The resource (relative to this package) of the first released schema of {@code dialect}. */
  static String firstReleased(Dialect dialect) {
    return "released/" + dialect.name().toLowerCase(java.util.Locale.ROOT) + "-v1.sql";
  }

  /** The statements of the resource {@code name}, relative to this package, in file order. */
  static List<String> load(String name) {
    try (InputStream in = DdlScript.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(
            "DDL resource missing from the class path: io/elspeth/audit/schema/" + name);
      }
      return split(new String(in.readAllBytes(), StandardCharsets.UTF_8), name);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read DDL resource " + name, e);
    }
  }

  /**
   * Splits a script into statements without their terminating semicolons.
   *
   * @throws IllegalStateException if a semicolon occurs anywhere but at a line end, or text follows
   *     the last statement without a terminating semicolon; both mean the script is broken
   */
  static List<String> split(String script, String name) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    String[] lines = script.split("\\R", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("--")) {
        continue;
      }
      boolean ends = trimmed.endsWith(";");
      String body = ends ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
      if (body.indexOf(';') >= 0) {
        throw new IllegalStateException(
            name
                + " line "
                + (i + 1)
                + ": a semicolon may only end a statement at the end of a line");
      }
      if (current.length() > 0) {
        current.append('\n');
      }
      current.append(ends ? line.substring(0, line.lastIndexOf(';')) : line);
      if (ends) {
        String statement = current.toString().strip();
        if (!statement.isEmpty()) {
          statements.add(statement);
        }
        current.setLength(0);
      }
    }
    if (current.toString().strip().length() > 0) {
      throw new IllegalStateException(name + ": the last statement has no terminating semicolon");
    }
    return List.copyOf(statements);
  }
}
