package io.elspeth.pipelines.cli;

import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.runners.RunnerOptions;
import io.elspeth.runners.RunnerProfile;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The runner options shared by run and resume; each one given overrides the settings' {@code
 * runner:} section, the rest of which still applies.
 */
final class RunnerOption {
  @Option(
      names = "--runner",
      paramLabel = "NAME",
      converter = ProfileName.class,
      description =
          "Runner profile: direct, flink-local or flink-cluster (default: the settings'"
              + " runner.profile, else direct).")
  @Nullable RunnerProfile runner;

  /** An unknown runner name is a usage error (exit 2), found before any settings are read. */
  static final class ProfileName implements ITypeConverter<RunnerProfile> {
    @Override
    public RunnerProfile convert(String value) {
      return RunnerProfile.byName(value)
          .orElseThrow(
              () ->
                  new TypeConversionException(
                      "unknown runner '"
                          + value
                          + "' (expected one of "
                          + RunnerProfile.names()
                          + ")"));
    }
  }

  @Option(
      names = "--parallelism",
      paramLabel = "N",
      description = "Workers: DirectRunner threads or Flink parallelism (0: one per core).")
  @Nullable Integer parallelism;

  @Option(
      names = "--flink-master",
      paramLabel = "HOST:PORT",
      description = "The Flink JobManager (REST port) the flink-cluster runner submits to.")
  @Nullable String flinkMaster;

  @Option(
      names = "--checkpointing-interval",
      paramLabel = "MS",
      description = "Flink checkpoint interval in milliseconds (0: off).")
  @Nullable Long checkpointingInterval;

  /** The settings on the runner the command line and the settings choose together. */
  PipelineSettings apply(PipelineSettings settings) {
    RunnerOptions options = settings.runner();
    if (runner != null) {
      options = options.withProfile(runner);
    }
    if (parallelism != null) {
      options = options.withParallelism(parallelism);
    }
    if (flinkMaster != null) {
      options = options.withFlinkMaster(flinkMaster);
    }
    if (checkpointingInterval != null) {
      options = options.withCheckpointingInterval(checkpointingInterval);
    }
    return settings.onRunner(options);
  }
}
