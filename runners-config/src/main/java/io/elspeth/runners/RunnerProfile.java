package io.elspeth.runners;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The runners a pipeline can run on. {@code direct}: Beam's DirectRunner in this JVM. {@code
 * flink-local}: Beam's FlinkRunner on an embedded Flink mini-cluster in this JVM. {@code
 * flink-cluster}: the FlinkRunner submitting to a running Flink cluster ({@code flink_master
 * host:port}). The options of each are set by {@link RunnerOptions}.
 */
public enum RunnerProfile {
  DIRECT("direct", "Beam DirectRunner on this machine", false),
  FLINK_LOCAL("flink-local", "Beam FlinkRunner on an embedded Flink mini-cluster", true),
  FLINK_CLUSTER(
      "flink-cluster", "Beam FlinkRunner submitting to a Flink cluster (flink_master)", true);

  private final String configName;
  private final String description;
  private final boolean distributed;

  RunnerProfile(String configName, String description, boolean distributed) {
    this.configName = configName;
    this.description = description;
    this.distributed = distributed;
  }

  public String configName() {
    return configName;
  }

  public String description() {
    return description;
  }

  /**
   * Whether steps may run in several JVMs (or processes that outlive a bundle), so that the
   * Landscape must be a server database every worker reaches.
   */
  public boolean distributed() {
    return distributed;
  }

  public static Optional<RunnerProfile> byName(String name) {
    return Arrays.stream(values())
        .filter(p -> p.configName.equals(name.toLowerCase(Locale.ROOT)))
        .findFirst();
  }

  /** The configuration names of every profile, for messages. */
  public static List<String> names() {
    return Arrays.stream(values()).map(RunnerProfile::configName).toList();
  }

  /** Pipeline options for this profile with its defaults; {@code parallelism} 0: the default. */
  public PipelineOptions options(int parallelism) {
    return RunnerOptions.defaults(this).withParallelism(parallelism).pipelineOptions();
  }
}
