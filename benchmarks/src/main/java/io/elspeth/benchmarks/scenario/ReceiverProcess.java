package io.elspeth.benchmarks.scenario;

import io.elspeth.testkit.otlp.OtlpReceiver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The testkit's counting OTLP receiver ({@link OtlpReceiver#main}) in a JVM of its own, as a
 * collector runs beside a pipeline: decoding the protobuf then allocates in its heap and collects
 * in its own GC pauses, not in those of the pipeline being measured. It still runs on this
 * machine's cores, so its CPU is not taken out of the figure.
 */
final class ReceiverProcess implements AutoCloseable {
  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  private final String grpcEndpoint;

  private ReceiverProcess(Process process) throws IOException {
    this.process = process;
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    String first = out.readLine();
    String[] endpoints = first == null ? new String[0] : first.strip().split(" ");
    if (endpoints.length != 3 || !endpoints[0].equals("endpoints")) {
      process.destroyForcibly();
      throw new IOException("the OTLP receiver process did not start: " + first);
    }
    this.grpcEndpoint = endpoints[2];
  }

  /** Starts the receiver with this JVM's class path; its own logs go to this process's stderr. */
  static ReceiverProcess start() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx256m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    OtlpReceiver.class.getName()))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    return new ReceiverProcess(p);
  }

  /** The gRPC endpoint (the OTLP exporter's default protocol). */
  String grpcEndpoint() {
    return grpcEndpoint;
  }

  /** CPU time the receiver's process has taken so far (zero where the OS does not say). */
  java.time.Duration cpu() {
    return process.toHandle().info().totalCpuDuration().orElse(java.time.Duration.ZERO);
  }

  /** What the receiver has decoded so far. */
  record Counts(long spans, long requests) {}

  /** Spans and requests the receiver has decoded so far. */
  Counts counts() throws IOException {
    in.write("count\n");
    in.flush();
    String line = out.readLine();
    if (line == null) {
      throw new IOException("the OTLP receiver process ended");
    }
    String[] numbers = line.strip().split(" ");
    return new Counts(Long.parseLong(numbers[0]), Long.parseLong(numbers[1]));
  }

  @Override
  public void close() throws IOException {
    in.close();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
