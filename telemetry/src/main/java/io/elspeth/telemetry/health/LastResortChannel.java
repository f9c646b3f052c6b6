package io.elspeth.telemetry.health;

import io.elspeth.telemetry.event.EventJson;
import io.elspeth.telemetry.event.HealthEvent;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where telemetry reports on itself when everything else may be broken: one JSON line per health
 * event on a stream (stderr by default) and, when configured, appended to a local file. Writing
 * never throws: a channel that fails is silenced, never allowed to fail the run.
 */
public final class LastResortChannel {
  private final @Nullable PrintStream stream;
  private final @Nullable Path file;
  private boolean fileBroken;

  public LastResortChannel(@Nullable PrintStream stream, @Nullable Path file) {
    this.stream = stream;
    this.file = file;
  }

  /** JSON lines on stderr, and to {@code file} when not null. */
  public static LastResortChannel stderr(@Nullable Path file) {
    return new LastResortChannel(System.err, file);
  }

  public synchronized void write(HealthEvent event) {
    String line = "elspeth-telemetry-health " + EventJson.line(event);
    if (stream != null) {
      stream.println(line);
      stream.flush();
    }
    if (file != null && !fileBroken) {
      try {
        Files.writeString(
            file,
            EventJson.line(event) + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND,
            StandardOpenOption.WRITE);
      } catch (IOException | RuntimeException e) {
        fileBroken = true;
        if (stream != null) {
          stream.println(
              "elspeth-telemetry-health cannot write the health file "
                  + file
                  + ": "
                  + e.getClass().getSimpleName()
                  + "; health events go to this stream only");
        }
      }
    }
  }
}
