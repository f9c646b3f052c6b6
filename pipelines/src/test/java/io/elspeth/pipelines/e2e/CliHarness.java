package io.elspeth.pipelines.e2e;

import io.elspeth.pipelines.cli.ElspethCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs the elspeth CLI in-process on settings files and reads what it left behind. */
final class CliHarness {
  /** The repository root (tests run in the pipelines module folder). */
  static final Path REPO = Path.of("").toAbsolutePath().getParent();

  record Result(int exitCode, String out, String err) {}

  private CliHarness() {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        ElspethCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  /**
   * Copies an example's settings into {@code dir}, pointing its inputs at the repository and its
   * outputs (files and Landscape) into {@code dir}; returns the new settings file.
   */
  static Path example(String name, Path dir) throws IOException {
    String yaml = Files.readString(REPO.resolve("examples").resolve(name).resolve("settings.yaml"));
    yaml =
        yaml.replace("sqlite:///examples/" + name + "/output/", "sqlite:///" + dir + "/")
            .replace("examples/" + name + "/output/", dir + "/")
            .replace("examples/", REPO.resolve("examples") + "/");
    Path settings = dir.resolve("settings.yaml");
    Files.writeString(settings, yaml);
    // Template and lookup files are found beside the settings file, as ELSPETH finds them.
    try (var files = Files.list(REPO.resolve("examples").resolve(name))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String n = f.getFileName().toString();
        if (n.endsWith(".j2") || (n.endsWith(".yaml") && !n.equals("settings.yaml"))) {
          Files.copy(f, dir.resolve(n));
        }
      }
    }
    return settings;
  }

  /** Writes a settings file into {@code dir}. */
  static Path settings(Path dir, String yaml) throws IOException {
    Path settings = dir.resolve("settings.yaml");
    Files.writeString(settings, yaml);
    return settings;
  }

  static Connection landscape(Path db) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + db);
  }

  static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static List<Map<String, Object>> query(Connection c, String sql) throws SQLException {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) {
          row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** Lines of a text file without the trailing empty line. */
  static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file);
  }

  /**
   * Runs {@code elspeth args...} in a fresh JVM in {@code dir}, with {@code env} added to its
   * environment and {@code ELSPETH_SIGNING_KEY} only if {@code env} sets it: for commands that read
   * the key from their real environment.
   */
  static Result runInNewJvm(Path dir, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ElspethCli.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().remove("ELSPETH_SIGNING_KEY");
    pb.environment().putAll(env);
    Path out = dir.resolve("proc.out");
    Path err = dir.resolve("proc.err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    int code = p.waitFor();
    return new Result(code, Files.readString(out), Files.readString(err));
  }

  /** A schema of its own on the test PostgreSQL server, dropped on close. */
  static final class PgSchema implements AutoCloseable {
    private final String name = "e2e_" + java.util.UUID.randomUUID().toString().replace("-", "");

    PgSchema() throws SQLException {
      try (Connection c =
              DriverManager.getConnection(
                  io.elspeth.testkit.postgres.TestPostgres.get().jdbcUrl());
          Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA " + name);
      }
    }

    /** The Landscape URL of the schema, for settings. */
    String url() {
      return io.elspeth.testkit.postgres.TestPostgres.get().url() + "?currentSchema=" + name;
    }

    Connection connect() throws SQLException {
      return DriverManager.getConnection(
          io.elspeth.testkit.postgres.TestPostgres.get().jdbcUrl() + "&currentSchema=" + name);
    }

    @Override
    public void close() throws SQLException {
      try (Connection c =
              DriverManager.getConnection(
                  io.elspeth.testkit.postgres.TestPostgres.get().jdbcUrl());
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + name + " CASCADE");
      }
    }
  }
}
