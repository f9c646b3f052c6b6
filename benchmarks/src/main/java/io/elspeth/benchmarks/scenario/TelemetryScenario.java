package io.elspeth.benchmarks.scenario;

import io.elspeth.benchmarks.report.Figure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 4: rows/s of scenario 1's pipeline with telemetry at {@code full} to a live OTLP
 * receiver on loopback ÷ rows/s with telemetry off. The OTLP exporter runs with its defaults (gRPC,
 * batches of up to 2,048). The receiver runs in a JVM of its own ({@link ReceiverProcess}), as a
 * collector does: on this machine's cores, but out of the measured JVM's heap and GC pauses; it
 * walks every request's protobuf wire format to count the spans ({@link
 * io.elspeth.testkit.otlp.SpanCounter}) rather than building the messages.
 */
public final class TelemetryScenario implements Scenario {
  /**
   * Warm-up may take this long: a 100,000-row pair lasts about 55 s, and after two pairs the JIT
   * still compiled for 16 % of the second (the exporter's, the gRPC client's and the receiver's
   * code as well as the pipeline's), then less with every pair up to the sixth. With 200 s (four
   * pairs) the first measured pair still compiled two to four times as much as the last.
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

  /**
   * What one side's runs cost besides wall time: rows per CPU-second, GC pause ms, and the CPU ms
   * of telemetry's threads and of the receiver's process.
   */
  private record Costs(
      List<Double> rowsPerCpuSecond,
      List<Long> gcMillis,
      List<Long> receiverCpuMillis,
      List<Long> telemetryThreadCpuMillis) {
    Costs() {
      this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }

    String measuredOnly(SideBySide.Rates rates) {
      int from = rates.warmupPairs();
      return "rows per CPU-second "
          + rowsPerCpuSecond.subList(from, rowsPerCpuSecond.size())
          + ", GC ms "
          + gcMillis.subList(from, gcMillis.size())
          + ", telemetry threads' CPU ms "
          + telemetryThreadCpuMillis.subList(from, telemetryThreadCpuMillis.size())
          + ", receiver CPU ms "
          + receiverCpuMillis.subList(from, receiverCpuMillis.size());
    }
  }

  /** Wall seconds of one run; what else it cost (see {@link Costs}) goes to {@code costs}. */
  private double timed(
      Path workDir, Path input, String telemetry, Costs costs, ReceiverProcess receiver)
      throws Exception {
    var os =
        (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long gcBefore = gcMillis();
    long receiverBefore = receiver.cpu().toMillis();
    double seconds;
    long telemetryCpu;
    try (var sampler = new ThreadCpuSampler(TelemetryScenario::telemetryThread, 200)) {
      seconds = ScenarioPipeline.timeRun(ScenarioPipeline.settings(workDir, input, telemetry));
      telemetryCpu = sampler.stopMillis();
    }
    costs.telemetryThreadCpuMillis().add(telemetryCpu);
    costs
        .rowsPerCpuSecond()
        .add(Math.round(rows / ((os.getProcessCpuTime() - cpuBefore) / 1e9) * 10) / 10.0);
    costs.gcMillis().add(gcMillis() - gcBefore);
    costs.receiverCpuMillis().add(receiver.cpu().toMillis() - receiverBefore);
    return seconds;
  }

  /** Telemetry's own threads: the manager's export thread, the OTLP requests', OkHttp's. */
  private static boolean telemetryThread(String name) {
    return name.startsWith("telemetry-") || name.startsWith("OkHttp");
  }

  /** Milliseconds this JVM's collectors have spent so far. */
  private static long gcMillis() {
    long ms = 0;
    for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      ms += Math.max(0, gc.getCollectionTime());
    }
    return ms;
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
      String telemetry =
          """
          telemetry:
            enabled: true
            granularity: full
            exporters:
              - name: otlp
                options: {endpoint: "%s"}
          """
              .formatted(receiver.grpcEndpoint());
      Costs on = new Costs();
      Costs off = new Costs();
      rates =
          SideBySide.rates(
              runs,
              rows,
              () -> timed(workDir, input, telemetry, on, receiver),
              () -> timed(workDir, input, "", off, receiver),
              MAX_WARMUP_SECONDS);
      ReceiverProcess.Counts received = receiver.counts();
      System.err.println(
          "  telemetry: the receiver decoded "
              + received.spans()
              + " spans in "
              + received.requests()
              + " requests");
      // Wall time on a shared machine moves with everyone else's load; the process's CPU time
      // per row moves much less, so it is printed alongside, with the collectors' time: what
      // telemetry holds (queued events, requests in flight) is copied in every young
      // collection's pause, which the pipeline's threads wait out.
      System.err.printf(
          "  telemetry on: %s%n  telemetry off: %s%n",
          on.measuredOnly(rates), off.measuredOnly(rates));
    }
    return new Figure(
        name(),
        "scenario 1 pipeline, "
            + rows
            + " rows: telemetry full to a live"
            + " OTLP receiver vs telemetry off",
        "rows/s",
        rates.measured(),
        rates.baseline(),
        0.95);
  }
}
