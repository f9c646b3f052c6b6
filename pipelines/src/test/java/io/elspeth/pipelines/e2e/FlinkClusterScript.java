package io.elspeth.pipelines.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A standalone Flink cluster on loopback, driven through {@code runners-config/bin/flink-cluster}
 * as a user would: its JVMs run Flink's classes only (the build's {@code
 * runners-config/target/flink-cluster-classpath.txt}), so every elspeth class a job needs must come
 * in elspeth's Flink job jar, as on a cluster a team runs itself.
 */
final class FlinkClusterScript {
  static final Path SCRIPT = CliHarness.REPO.resolve("runners-config/bin/flink-cluster");
  static final Path CLASSPATH =
      CliHarness.REPO.resolve("runners-config/target/flink-cluster-classpath.txt");

  final Path dir;
  final int restPort;

  FlinkClusterScript(Path dir) throws IOException {
    this.dir = dir;
    this.restPort = freePort();
  }

  /** Flink's classpath, without elspeth's or Beam's classes. */
  static String flinkClasspath() throws IOException {
    return Files.readString(CLASSPATH).trim();
  }

  /** {@code flink-cluster COMMAND} with {@code env}; its exit code and output. */
  CliHarness.Result run(Map<String, String> env, String command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString(), command);
    pb.environment().putAll(env);
    pb.environment().put("FLINK_CLUSTER_DIR", dir.toString());
    pb.environment().put("FLINK_REST_PORT", String.valueOf(restPort));
    pb.environment().put("FLINK_RPC_PORT", String.valueOf(freePort()));
    pb.environment().put("FLINK_CLUSTER_CLASSPATH", flinkClasspath());
    Files.createDirectories(dir);
    Path out = Files.createTempFile(dir, "flink-cluster", ".out");
    pb.redirectErrorStream(true).redirectOutput(out.toFile());
    Process p = pb.start();
    if (!p.waitFor(240, TimeUnit.SECONDS)) {
      p.destroy();
      return new CliHarness.Result(-1, Files.readString(out), "timed out");
    }
    return new CliHarness.Result(p.exitValue(), Files.readString(out), "");
  }

  /** The last lines of every log of the cluster, for assertion messages. */
  String logs() throws IOException {
    StringBuilder sb = new StringBuilder();
    Path logDir = dir.resolve("log");
    if (!Files.isDirectory(logDir)) {
      return "";
    }
    try (var files = Files.list(logDir)) {
      for (Path f : files.sorted().toList()) {
        List<String> lines = Files.readAllLines(f);
        sb.append("\n== ")
            .append(f.getFileName())
            .append('\n')
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
      }
    }
    return sb.toString();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
