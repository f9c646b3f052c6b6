package io.elspeth.testkit.azurite;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Finds the {@code azurite-blob} executable, installing it with npm when it is nowhere: at {@code
 * $AZURITE_BIN} (the file or the folder holding it), at {@code
 * ~/.cache/elspeth-azurite/node_modules/.bin/azurite-blob}, or on the {@code PATH}; when none has
 * it, {@code npm install --prefix ~/.cache/elspeth-azurite azurite@3} runs once, under a file lock
 * so that parallel test JVMs do not install over each other. npm is the one tool this needs from
 * outside Maven; without it the error says how to get it.
 */
final class AzuriteExecutable {
  static final String PACKAGE = "azurite@3";
  private static final long INSTALL_MINUTES = 10;

  private AzuriteExecutable() {}

  /** The executable, installed into {@code cacheDir} first when nothing else has it. */
  static Path findOrInstall() {
    return findOrInstall(
        home().resolve(".cache").resolve("elspeth-azurite"),
        System.getenv("AZURITE_BIN"),
        pathDirs());
  }

  /** {@code ~} as npm and the shell read it: {@code $HOME}, else the JVM's user.home. */
  private static Path home() {
    String home = System.getenv("HOME");
    return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
  }

  /** The same with the environment spelled out (tests give their own). */
  static Path findOrInstall(Path cacheDir, @Nullable String azuriteBin, List<String> pathDirs) {
    Optional<Path> found =
        candidates(cacheDir, azuriteBin, pathDirs).stream().filter(Files::isExecutable).findFirst();
    if (found.isPresent()) {
      return found.get();
    }
    install(cacheDir, pathDirs);
    if (!Files.isExecutable(installed(cacheDir))) {
      throw new IllegalStateException(
          "`npm install --prefix "
              + cacheDir
              + " "
              + PACKAGE
              + "` succeeded but left no "
              + installed(cacheDir));
    }
    return installed(cacheDir);
  }

  private static List<Path> candidates(
      Path cacheDir, @Nullable String azuriteBin, List<String> pathDirs) {
    List<Path> candidates = new ArrayList<>();
    if (azuriteBin != null && !azuriteBin.isBlank()) {
      Path p = Path.of(azuriteBin);
      candidates.add(Files.isDirectory(p) ? p.resolve("azurite-blob") : p);
    }
    candidates.add(installed(cacheDir));
    for (String dir : pathDirs) {
      candidates.add(Path.of(dir, "azurite-blob"));
    }
    return candidates;
  }

  private static Path installed(Path cacheDir) {
    return cacheDir.resolve("node_modules").resolve(".bin").resolve("azurite-blob");
  }

  private static List<String> pathDirs() {
    String path = System.getenv("PATH");
    return path == null ? List.of() : List.of(path.split(File.pathSeparator));
  }

  /** Runs npm under a lock; a JVM that waited for the lock finds the other's install and stops. */
  // synchronized: a file lock excludes other JVMs only; threads of this one wait here.
  private static synchronized void install(Path cacheDir, List<String> pathDirs) {
    Path npm =
        pathDirs.stream()
            .map(d -> Path.of(d, "npm"))
            .filter(Files::isExecutable)
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "azurite-blob not found"
                            + " (looked at $AZURITE_BIN, "
                            + installed(cacheDir)
                            + " and the PATH) and npm is not"
                            + " on the PATH to install it: install Node.js with npm (e.g. `apt-get install npm`),"
                            + " or install Azurite yourself and set AZURITE_BIN to its azurite-blob"));
    try {
      Files.createDirectories(cacheDir);
      Path lockFile = cacheDir.resolveSibling(cacheDir.getFileName() + ".lock");
      try (FileChannel ch =
              FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = ch.lock()) {
        if (Files.isExecutable(installed(cacheDir))) {
          return;
        }
        Path log = cacheDir.resolve("npm-install.log");
        System.err.println(
            "[Azurite] installing "
                + PACKAGE
                + " into "
                + cacheDir
                + " with npm (once; log "
                + log
                + ")");
        Process p =
            new ProcessBuilder(
                    npm.toString(),
                    "install",
                    "--prefix",
                    cacheDir.toString(),
                    "--no-audit",
                    "--no-fund",
                    PACKAGE)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(INSTALL_MINUTES, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          throw new IllegalStateException(
              "`npm install "
                  + PACKAGE
                  + "` did not finish within "
                  + INSTALL_MINUTES
                  + " minutes (log "
                  + log
                  + ")");
        }
        if (p.exitValue() != 0) {
          throw new IllegalStateException(
              "`npm install --prefix "
                  + cacheDir
                  + " "
                  + PACKAGE
                  + "` exited "
                  + p.exitValue()
                  + ": "
                  + Files.readString(log).strip());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot install " + PACKAGE + " into " + cacheDir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while installing " + PACKAGE, e);
    }
  }
}
