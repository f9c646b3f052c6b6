package io.elspeth.benchmarks.scenario;

import io.elspeth.benchmarks.report.Figure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 4: rows/s of scenario 1's pipeline with telemetry at {@code full} to a live OTLP
 * receiver on loopback ÷ rows/s with telemetry off. The OTLP exporter runs with its defaults
 * (gRPC, batches of 512). The receiver runs in a JVM of its own ({@link ReceiverProcess}), as a
 * collector does: on this machine's cores, but out of the measured JVM's heap and GC pauses; it
 * walks every request's protobuf wire format to count the spans
 * ({@link io.elspeth.testkit.otlp.SpanCounter}) rather than building the messages.
 */
public final class TelemetryScenario implements Scenario {
  /**
   * Warm-up may take this long: a 100,000-row pair lasts about 55 s, and after two pairs the JIT
   * still compiled for 16 % of the second (the exporter's, the gRPC client's and the receiver's
   * code as well as the pipeline's), then less with every pair up to the sixth. With 200 s
   * (four pairs) the first measured pair still compiled two to four times as much as the last.
   */
  private static final double MAX_WARMUP_SECONDS = 300;
  private final int rows;
  private final int runs;

  /** {@code runs}: its own count of measured pairs, whatever the harness's {@code --runs}. */
  public TelemetryScenario(int rows, int runs) {
    this.rows = rows;
    this.runs = runs;
  }

  @Override
  public int runs(int requested) {
    return runs;
  }

  /** Wall seconds of one run; its process CPU seconds turned into rows/CPU-s go to {@code cpu}. */
  private double timed(Path workDir, Path input, String telemetry, List<Double> cpu)
      throws Exception {
    var os = (com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    double seconds = ScenarioPipeline.timeRun(ScenarioPipeline.settings(workDir, input, telemetry));
    cpu.add(Math.round(rows / ((os.getProcessCpuTime() - cpuBefore) / 1e9) * 10) / 10.0);
    return seconds;
  }

  private static List<Double> measuredOnly(List<Double> all, SideBySide.Rates rates) {
    return all.subList(rates.warmupPairs(), all.size());
  }

  @Override
  public String name() {
    return "telemetry-full-on-off";
  }

  @Override
  public Figure run(int runs, Path workDir) throws Exception {
    Path input = workDir.resolve("scenario4-input.csv");
    ScenarioPipeline.writeInput(input, rows);
    SideBySide.Rates rates;
    try (ReceiverProcess receiver = ReceiverProcess.start()) {
      String telemetry = """
          telemetry:
            enabled: true
            granularity: full
            exporters:
              - name: otlp
                options: {endpoint: "%s"}
          """.formatted(receiver.grpcEndpoint());
      List<Double> onCpu = new ArrayList<>();
      List<Double> offCpu = new ArrayList<>();
      rates = SideBySide.rates(runs, rows, () -> timed(workDir, input, telemetry, onCpu),
          () -> timed(workDir, input, "", offCpu), MAX_WARMUP_SECONDS);
      ReceiverProcess.Counts received = receiver.counts();
      System.err.println("  telemetry: the receiver decoded " + received.spans() + " spans in "
          + received.requests() + " requests");
      // Wall time on a shared machine moves with everyone else's load; the process's CPU time
      // per row moves much less, so it is printed alongside (rows per CPU-second, on / off).
      System.err.printf("  telemetry: rows per CPU-second on %s, off %s%n",
          measuredOnly(onCpu, rates), measuredOnly(offCpu, rates));
    }
    return new Figure(name(), "scenario 1 pipeline, " + rows + " rows: telemetry full to a live"
        + " OTLP receiver vs telemetry off", "rows/s", rates.measured(), rates.baseline(), 0.95);
  }
}
