package io.elspeth.pipelines.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of one test's own (initdb + pg_ctl in a temp folder, on a free loopback port,
 * trust authentication), so the test can stop it with {@code pg_ctl stop -m immediate} without
 * touching the shared server on 5432. initdb refuses root: as root the tools run as the {@code
 * postgres} OS user through {@code runuser}, in a folder that user owns.
 */
final class OwnPostgres implements AutoCloseable {
  private final Path bin;
  private final Path home;
  private final Path data;
  private final int port;

  /** The processes {@link #silence} stopped, until {@link #wake}. */
  private List<String> silenced = List.of();

  private OwnPostgres(Path bin, Path home, int port) {
    this.bin = bin;
    this.home = home;
    this.data = home.resolve("data");
    this.port = port;
  }

  /** The folder of the newest installed PostgreSQL's initdb and pg_ctl, if any. */
  static Optional<Path> binaries() {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(
              b ->
                  Files.isExecutable(b.resolve("initdb"))
                      && Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparing(b -> versionOf(b.getParent())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static int versionOf(Path dir) {
    try {
      return Integer.parseInt(dir.getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Creates a cluster in a new temp folder and starts it on a free loopback port. */
  static OwnPostgres start(Path bin) throws Exception {
    Path home = Files.createTempDirectory("elspeth-own-pg");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    OwnPostgres pg = new OwnPostgres(bin, home, port);
    if (isRoot()) {
      pg.exec(List.of("chown", "postgres:postgres", home.toString()), false);
    }
    pg.exec(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            pg.data.toString(),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync"),
        true);
    pg.start();
    return pg;
  }

  /**
   * Starts (or restarts) the server and waits until it accepts connections. {@code fsync=off} only:
   * an immediate stop kills the server's processes, not the machine, so what the server wrote stays
   * in the kernel's cache. {@code synchronous_commit} stays on: with it off, a commit is
   * acknowledged before its WAL leaves the server's memory, and an immediate stop then loses
   * commits the run was told had succeeded (a sink's publication intent), which no database client
   * can be exactly-once against.
   */
  void start() throws Exception {
    exec(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-l",
            home.resolve("server.log").toString(),
            "-w",
            "-t",
            "60",
            "-o",
            "-p "
                + port
                + " -c listen_addresses=127.0.0.1 -c unix_socket_directories="
                + home
                + " -c fsync=off",
            "start"),
        true);
  }

  /** Stops the server the way a crash does: every backend killed, no checkpoint. */
  void stopImmediately() throws Exception {
    exec(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-m",
            "immediate",
            "-w",
            "stop"),
        true);
  }

  /**
   * Makes the server silent without closing anything: SIGSTOP to its postmaster and every backend,
   * so connections stay open and no byte comes back (a hung host, a network cut).
   */
  void silence() throws Exception {
    long postmaster =
        Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
    List<String> pids = new ArrayList<>();
    pids.add(Long.toString(postmaster));
    ProcessHandle.of(postmaster)
        .ifPresent(h -> h.descendants().forEach(d -> pids.add(Long.toString(d.pid()))));
    silenced = pids;
    signal("-STOP", pids);
  }

  /** Ends {@link #silence}: SIGCONT to the processes it stopped. */
  void wake() throws Exception {
    if (!silenced.isEmpty()) {
      signal("-CONT", silenced);
      silenced = List.of();
    }
  }

  private void signal(String signal, List<String> pids) throws Exception {
    List<String> command = new ArrayList<>(List.of("kill", signal));
    command.addAll(pids);
    exec(command, true);
  }

  /** The Landscape URL of this server's {@code postgres} database. */
  String landscapeUrl() {
    return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  @Override
  public void close() throws Exception {
    try {
      wake();
      if (Files.exists(data.resolve("postmaster.pid"))) {
        stopImmediately();
      }
    } finally {
      try (Stream<Path> files = Files.walk(home)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Runs a command (as {@code postgres} when we are root and it asks to), failing on error. */
  private void exec(List<String> command, boolean asPostgres) throws Exception {
    List<String> full = new ArrayList<>();
    if (asPostgres && isRoot()) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Path log = Files.createTempFile("elspeth-own-pg-cmd", ".log");
    try {
      Process p =
          new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", full));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", full) + " exited " + p.exitValue() + ":\n" + Files.readString(log));
      }
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
