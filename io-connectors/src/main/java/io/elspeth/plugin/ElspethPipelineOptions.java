package io.elspeth.plugin;

import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.DefaultValueFactory;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What an Elspeth pipeline needs of the run beyond its settings: the Landscape to record in, the
 * telemetry to emit, progress reports, and how the steps adapt to the runner's execution model. The
 * {@code elspeth} launcher sets every option from the runner profile it starts; a Beam program may
 * set them like any pipeline option ({@code --landscapeUrl=sqlite:///audit.db}, {@code
 * --telemetry=...}). Steps read these options, never the runner's class, so a {@code TestPipeline}
 * runs the code path the CLI runs.
 *
 * <p>The execution-model options default from the runner when nobody set them: on the DirectRunner
 * (one JVM, bundles held on the heap, no backpressure between steps) the source paces itself to the
 * Landscape commit and sinks write sorted spill files per bundle; on a distributed runner a file
 * source is read in parts by several workers and rows are spread over workers after the source.
 */
public interface ElspethPipelineOptions extends PipelineOptions {

  @Description(
      "The Landscape database URL (sqlite:///path or postgresql://...); overrides the"
          + " settings' landscape.url")
  @Nullable String getLandscapeUrl();

  void setLandscapeUrl(@Nullable String url);

  @Description(
      "The settings' telemetry section as JSON or YAML (e.g. {\"enabled\": true,"
          + " \"exporters\": [{\"name\": \"console\"}]}), validated as the settings' own; overrides"
          + " the settings' telemetry")
  @Nullable String getTelemetry();

  void setTelemetry(@Nullable String telemetry);

  @Description(
      "Seconds between progress reports read from the Landscape while rows flow; unset:"
          + " no reports")
  @Nullable Double getProgressIntervalSeconds();

  void setProgressIntervalSeconds(@Nullable Double seconds);

  @Description(
      "Whether the source slows to the Landscape commit's pace (for runners without"
          + " backpressure that commit in the source's JVM); default: true on the DirectRunner")
  @Default.InstanceFactory(InProcessRunner.class)
  Boolean getPaceSourceToCommit();

  void setPaceSourceToCommit(Boolean pace);

  @Description(
      "Whether sinks sort and spill their rows per bundle instead of grouping every"
          + " row by sink first (for runners that hold a group on the heap); default: true on the"
          + " DirectRunner")
  @Default.InstanceFactory(InProcessRunner.class)
  Boolean getSinkSpillsPerBundle();

  void setSinkSpillsPerBundle(Boolean perBundle);

  @Description(
      "Whether rows are spread over workers after the source; default: true except on"
          + " the DirectRunner (a pooled transform spreads them anyway)")
  @Default.InstanceFactory(DistributedRunner.class)
  Boolean getSpreadRowsAfterSource();

  void setSpreadRowsAfterSource(Boolean spread);

  @Description(
      "Whether a file source is read in parts spread over workers, after a first pass that"
          + " finds where its records start; default: true except on the DirectRunner")
  @Default.InstanceFactory(DistributedRunner.class)
  Boolean getReadSourceInParts();

  void setReadSourceInParts(Boolean inParts);

  /** {@code options} as Elspeth options. */
  static ElspethPipelineOptions of(PipelineOptions options) {
    return options.as(ElspethPipelineOptions.class);
  }

  /**
   * Whether the runner runs every step in this JVM, holding bundles on the heap: the DirectRunner
   * (named, not referenced, so steps need not depend on it).
   */
  static boolean inProcessRunner(PipelineOptions options) {
    return options.getRunner().getName().equals("org.apache.beam.runners.direct.DirectRunner");
  }

  /** Defaults an execution-model option to whether the runner is in-process. */
  final class InProcessRunner implements DefaultValueFactory<Boolean> {
    @Override
    public Boolean create(PipelineOptions options) {
      return inProcessRunner(options);
    }
  }

  /** Defaults an execution-model option to whether the runner is distributed. */
  final class DistributedRunner implements DefaultValueFactory<Boolean> {
    @Override
    public Boolean create(PipelineOptions options) {
      return !inProcessRunner(options);
    }
  }

  /**
   * Lets {@code PipelineOptionsFactory.fromArgs} parse these options (listed in META-INF/services).
   */
  final class Registrar implements PipelineOptionsRegistrar {
    @Override
    public Iterable<Class<? extends PipelineOptions>> getPipelineOptions() {
      return List.of(ElspethPipelineOptions.class);
    }
  }
}
