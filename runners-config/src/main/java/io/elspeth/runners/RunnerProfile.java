package io.elspeth.runners;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The runners a pipeline can run on, each with the Beam options it sets. {@code direct}: Beam's
 * DirectRunner on this machine, one thread per core, with Beam's element-mutation checks turned
 * off (our steps never mutate inputs; the checks double the per-element cost and stay on in unit
 * tests through TestPipeline).
 */
public enum RunnerProfile {
  DIRECT("direct", "Beam DirectRunner on this machine");

  private final String configName;
  private final String description;

  RunnerProfile(String configName, String description) {
    this.configName = configName;
    this.description = description;
  }

  public String configName() {
    return configName;
  }

  public String description() {
    return description;
  }

  public static Optional<RunnerProfile> byName(String name) {
    return Arrays.stream(values())
        .filter(p -> p.configName.equals(name.toLowerCase(Locale.ROOT))).findFirst();
  }

  /** Pipeline options for this profile; {@code parallelism} 0 means one per available core. */
  public PipelineOptions options(int parallelism) {
    DirectOptions options = PipelineOptionsFactory.create().as(DirectOptions.class);
    options.setRunner(DirectRunner.class);
    options.setTargetParallelism(parallelism > 0 ? parallelism
        : Math.max(2, Runtime.getRuntime().availableProcessors()));
    options.setEnforceImmutability(false);
    options.setEnforceEncodability(false);
    options.setBlockOnRun(true);
    return options;
  }
}
