package io.elspeth.testkit.azurite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Azurite's Blob service (the npm package {@code azurite}), started on a free loopback port with
 * its data in a temporary folder, for tests that talk to Blob Storage through the real Azure SDK.
 * {@link #start()} returns once the service answers HTTP; {@link #close()} stops it and deletes its
 * data.
 *
 * <p>The executable is found, in order, at {@code $AZURITE_BIN} (the {@code azurite-blob} file or
 * the folder holding it), at {@code ~/.cache/elspeth-azurite/node_modules/.bin/azurite-blob}, or on
 * the {@code PATH}; when none has it, it is installed there with npm ({@link AzuriteExecutable}).
 *
 * <pre>{@code try (Azurite azurite = Azurite.start()) {
 *   BlobServiceClient c = new BlobServiceClientBuilder()
 *       .connectionString(azurite.connectionString()).buildClient();
 * }}</pre>
 */
public final class Azurite implements AutoCloseable {
  /** Azurite's well-known development account (public, documented by Microsoft). */
  public static final String ACCOUNT_NAME = "devstoreaccount1";

  public static final String ACCOUNT_KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  private static final Duration STARTUP = Duration.ofSeconds(60);

  private final Process process;
  private final Path location;
  private final int port;
  private final Path debugLog;

  private Azurite(Process process, Path location, int port, Path debugLog) {
    this.process = process;
    this.location = location;
    this.port = port;
    this.debugLog = debugLog;
  }

  /** Starts Azurite Blob on a free port and waits until it answers. */
  public static Azurite start() {
    try {
      return start(freePort());
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port for Azurite", e);
    }
  }

  /** Starts Azurite Blob on {@code port} and waits until it answers. */
  public static Azurite start(int port) {
    Path executable = AzuriteExecutable.findOrInstall();
    try {
      Path location = Files.createTempDirectory("azurite-");
      Path debugLog = location.resolve("debug.log");
      List<String> command =
          new ArrayList<>(
              List.of(
                  executable.toString(),
                  "--blobHost",
                  "127.0.0.1",
                  "--blobPort",
                  String.valueOf(port),
                  "--location",
                  location.resolve("data").toString(),
                  "--debug",
                  debugLog.toString(),
                  "--skipApiVersionCheck",
                  "--loose",
                  "--disableProductStyleUrl",
                  "--disableTelemetry"));
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(location.resolve("azurite.out").toFile())
              .start();
      Azurite azurite = new Azurite(process, location, port, debugLog);
      azurite.awaitReady();
      return azurite;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Azurite from " + executable, e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void awaitReady() throws IOException {
    Instant deadline = Instant.now().plus(STARTUP);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        String out =
            Files.exists(location.resolve("azurite.out"))
                ? Files.readString(location.resolve("azurite.out"))
                : "";
        throw new IllegalStateException("Azurite exited with " + process.exitValue() + ": " + out);
      }
      if (answers()) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new IllegalStateException("interrupted while waiting for Azurite", e);
      }
    }
    close();
    throw new IllegalStateException(
        "Azurite did not answer on port " + port + " within " + STARTUP.toSeconds() + " s");
  }

  private boolean answers() {
    try {
      HttpURLConnection c =
          (HttpURLConnection) URI.create(accountUrl() + "?comp=list").toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(2000);
      int status = c.getResponseCode();
      c.disconnect();
      return status > 0;
    } catch (IOException e) {
      return false;
    }
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port>/devstoreaccount1}. */
  public String accountUrl() {
    return "http://127.0.0.1:" + port + "/" + ACCOUNT_NAME;
  }

  /** A connection string with the development account's key. */
  public String connectionString() {
    return "DefaultEndpointsProtocol=http;AccountName="
        + ACCOUNT_NAME
        + ";AccountKey="
        + ACCOUNT_KEY
        + ";BlobEndpoint="
        + accountUrl()
        + ";";
  }

  /** Azurite's debug log: one entry per request it served (tests count requests with it). */
  public Path debugLog() {
    return debugLog;
  }

  /** Stops Azurite (and the Node processes it started) and deletes its data. */
  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(location)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temp folder left behind is harmless; the port and process are what matter.
    }
  }
}
