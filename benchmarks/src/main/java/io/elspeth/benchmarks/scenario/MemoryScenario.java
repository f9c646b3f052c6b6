package io.elspeth.benchmarks.scenario;

import io.elspeth.benchmarks.report.MemoryFigure;
import io.elspeth.pipelines.cli.ElspethCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 6: scenario 1's pipeline on {@code rows} rows, run by the {@code elspeth} CLI in a child
 * JVM limited to {@code heapMiB} of heap ({@code -XX:+ExitOnOutOfMemoryError}, so running out of
 * memory ends the run instead of thrashing). Reports whether it completed, the rows its Landscape
 * recorded, and the peak heap from the child's GC log.
 */
public final class MemoryScenario {
  private final long rows;
  private final long heapMiB;
  private final long timeoutMinutes;

  public MemoryScenario(long rows, long heapMiB, long timeoutMinutes) {
    this.rows = rows;
    this.heapMiB = heapMiB;
    this.timeoutMinutes = timeoutMinutes;
  }

  public String name() {
    return "memory-bounded";
  }

  public MemoryFigure run(Path workDir) throws Exception {
    Path input = workDir.resolve("scenario6-input.csv");
    ScenarioPipeline.writeInput(input, Math.toIntExact(rows));
    Path settings = ScenarioPipeline.settingsFile(workDir, input, "");
    Path dir =
        Objects.requireNonNull(settings.getParent(), "settings file has no parent directory");
    Path gcLog = dir.resolve("gc.log");
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heapMiB + "m",
                "-XX:+ExitOnOutOfMemoryError",
                "-Xlog:gc:file=" + gcLog));
    String fingerprintKey = System.getProperty("elspeth.fingerprint.key");
    if (fingerprintKey != null) {
      command.add("-Delspeth.fingerprint.key=" + fingerprintKey);
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            ElspethCli.class.getName(),
            "run",
            "-s",
            settings.toString(),
            "--execute"));
    Path output = dir.resolve("cli-output.txt");
    Process child =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    long started = System.nanoTime();
    String failure = null;
    if (!child.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
      child.destroyForcibly().waitFor();
      failure = "did not finish within " + timeoutMinutes + " minutes";
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    if (failure == null && child.exitValue() != 0) {
      failure = "exit " + child.exitValue() + ": " + lastLine(output);
    }
    GcLog gc = GcLog.read(gcLog);
    return new MemoryFigure(
        name(),
        "scenario 1 pipeline through the CLI, "
            + rows
            + " rows, DirectRunner, -Xmx"
            + heapMiB
            + "m",
        rows,
        heapMiB,
        failure == null,
        seconds,
        rowsRecorded(dir.resolve("landscape.db")),
        gc.peakBeforeMiB(),
        gc.peakAfterMiB(),
        gc.collections(),
        failure);
  }

  private static long rowsRecorded(Path landscape) {
    if (!Files.exists(landscape)) {
      return 0;
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + landscape);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM rows")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      return 0;
    }
  }

  private static String lastLine(Path output) throws java.io.IOException {
    List<String> lines = Files.exists(output) ? Files.readAllLines(output) : List.of();
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (!lines.get(i).isBlank()) {
        return lines.get(i).strip();
      }
    }
    return "(no output)";
  }
}
