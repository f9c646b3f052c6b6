package io.elspeth.audit.crash;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Named instants of a run at which the crash tests kill the process. Inert unless the environment
 * variable {@value #AT_ENV} names a point ({@code sink.intent_recorded}, or {@code
 * commit.committed@3} for its third passage); then, at that passage, the process writes the point's
 * name to the file {@value #SIGNAL_ENV} names and stops there, so that the test can kill it with
 * SIGKILL at exactly that instant. Without a signal file it kills itself with SIGKILL. With {@value
 * #RELEASE_ENV} naming a file as well, the pause ends when that file exists and the run goes on: a
 * test can change the world at that instant (stop the Landscape's server) and watch what the run
 * does next.
 *
 * <p>This is a test hook: it changes nothing unless the variable is set, and it is documented in
 * docs/reliability.md ("Test hooks") with the list of points.
 */
public final class CrashPoint {
  public static final String AT_ENV = "ELSPETH_CRASH_AT";
  public static final String SIGNAL_ENV = "ELSPETH_CRASH_SIGNAL";
  public static final String RELEASE_ENV = "ELSPETH_CRASH_RELEASE";

  private static final String AT = System.getenv(AT_ENV);
  private static final ConcurrentHashMap<String, AtomicLong> PASSAGES = new ConcurrentHashMap<>();

  private CrashPoint() {}

  /** Marks the passage of the run through {@code name}; stops the process here if told to. */
  public static void reached(String name) {
    if (AT == null || AT.isEmpty()) {
      return;
    }
    int at = AT.indexOf('@');
    String point = at < 0 ? AT : AT.substring(0, at);
    if (!point.equals(name)) {
      return;
    }
    long wanted = at < 0 ? 1 : Long.parseLong(AT.substring(at + 1));
    long passage = PASSAGES.computeIfAbsent(name, n -> new AtomicLong()).incrementAndGet();
    if (passage != wanted) {
      return;
    }
    stopHere(name);
  }

  private static void stopHere(String name) {
    String signal = System.getenv(SIGNAL_ENV);
    String release = System.getenv(RELEASE_ENV);
    try {
      if (signal != null && !signal.isEmpty()) {
        Files.writeString(
            Path.of(signal),
            name + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND,
            StandardOpenOption.SYNC);
        if (release != null && !release.isEmpty()) {
          while (!Files.exists(Path.of(release))) {
            Thread.sleep(50);
          }
          return;
        }
        while (true) {
          Thread.sleep(60_000);
        }
      }
      new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid()))
          .inheritIO()
          .start()
          .waitFor();
      Thread.sleep(60_000);
    } catch (IOException | InterruptedException e) {
      Runtime.getRuntime().halt(137);
    }
    Runtime.getRuntime().halt(137);
  }
}
