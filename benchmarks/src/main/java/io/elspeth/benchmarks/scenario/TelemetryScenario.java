package io.elspeth.benchmarks.scenario;

import io.elspeth.benchmarks.report.Figure;
import io.elspeth.testkit.otlp.OtlpReceiver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 4: rows/s of scenario 1's pipeline with telemetry at {@code full} to a live OTLP
 * receiver on loopback (http/protobuf, decoding the real protobuf) ÷ rows/s with telemetry off.
 * The OTLP exporter runs with its defaults; the receiver decodes every request but keeps only
 * the span count (a collector forwards spans, it does not hold them in the measured JVM's heap).
 */
public final class TelemetryScenario implements Scenario {
  private final int rows;

  public TelemetryScenario(int rows) {
    this.rows = rows;
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

  @Override
  public String name() {
    return "telemetry-full-on-off";
  }

  @Override
  public Figure run(int runs, Path workDir) throws Exception {
    Path input = workDir.resolve("scenario4-input.csv");
    ScenarioPipeline.writeInput(input, rows);
    List<Double> on = new ArrayList<>();
    List<Double> off = new ArrayList<>();
    try (OtlpReceiver receiver = OtlpReceiver.startCounting()) {
      String telemetry = """
          telemetry:
            enabled: true
            granularity: full
            exporters:
              - name: otlp
                options: {endpoint: "%s", protocol: http/protobuf}
          """.formatted(receiver.httpEndpoint());
      // One unmeasured pair first: otherwise the first measured run pays the JVM's warm-up
      // (class loading, JIT) and, as the "on" side goes first, biases the ratio against it.
      ScenarioPipeline.timeRun(ScenarioPipeline.settings(workDir, input, telemetry));
      ScenarioPipeline.timeRun(ScenarioPipeline.settings(workDir, input, ""));
      List<Double> onCpu = new ArrayList<>();
      List<Double> offCpu = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        if (i % 2 == 0) {
          on.add(rows / timed(workDir, input, telemetry, onCpu));
          off.add(rows / timed(workDir, input, "", offCpu));
        } else {
          off.add(rows / timed(workDir, input, "", offCpu));
          on.add(rows / timed(workDir, input, telemetry, onCpu));
        }
      }
      System.err.println("  telemetry: the receiver decoded " + receiver.spanCount() + " spans");
      // Wall time on a shared machine moves with everyone else's load; the process's CPU time
      // per row moves much less, so it is printed alongside (rows per CPU-second, on / off).
      System.err.printf("  telemetry: rows per CPU-second on %s, off %s%n", onCpu, offCpu);
    }
    return new Figure(name(), "scenario 1 pipeline, " + rows + " rows: telemetry full to a live"
        + " OTLP receiver vs telemetry off", "rows/s", on, off, 0.95);
  }
}
