package io.elspeth.runners;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A runner profile and the options a run sets on it: the settings' {@code runner:} section
 * overridden by the command line. Options a profile does not use (a Flink checkpointing interval on
 * the DirectRunner) are ignored, so one settings file runs on every profile.
 *
 * <p>Flink jobs of bounded pipelines run in Flink's batch mode, where a failed task is recovered by
 * re-running it (up to {@code restartAttempts} times); a checkpointing interval runs the job in
 * Flink's streaming mode instead, since Flink checkpoints only exist there.
 *
 * @param parallelism workers (DirectRunner threads, Flink task parallelism); 0: one per core
 *     (flink-cluster: the cluster's default)
 * @param maxParallelism Flink's maximum parallelism (key groups); 0: Flink's default
 * @param flinkMaster the JobManager's {@code host:port} (REST port), or {@value
 *     #FLINK_MASTER_AUTO}: the Flink client that runs this program (`flink run`, the REST jar
 *     upload) decides; flink-cluster only
 * @param checkpointingIntervalMs 0: no checkpoints (batch mode)
 * @param restartAttempts times Flink restarts a failed job before failing the run
 * @param flinkConfDir a folder holding a flink-conf.yaml to start from, or null (its {@code
 *     restart-strategy} keys, when it has any, win over restartAttempts/restartDelayMs)
 */
public record RunnerOptions(
    RunnerProfile profile,
    int parallelism,
    int maxParallelism,
    @Nullable String flinkMaster,
    long checkpointingIntervalMs,
    CheckpointingMode checkpointingMode,
    long checkpointTimeoutMs,
    long minPauseBetweenCheckpointsMs,
    int restartAttempts,
    long restartDelayMs,
    boolean objectReuse,
    @Nullable String flinkConfDir) {

  /** Flink's checkpointing guarantees. */
  public enum CheckpointingMode {
    EXACTLY_ONCE,
    AT_LEAST_ONCE;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * {@code flink_master} for a program that a Flink client runs (the job jar under {@code flink
   * run}): the job goes to that client's cluster.
   */
  public static final String FLINK_MASTER_AUTO = "auto";

  /** Documented defaults (docs/runners.md lists the same). */
  public static final int DEFAULT_RESTART_ATTEMPTS = 3;

  public static final long DEFAULT_RESTART_DELAY_MS = 1000;
  public static final long DEFAULT_CHECKPOINT_TIMEOUT_MS = 600_000;

  public static RunnerOptions defaults(RunnerProfile profile) {
    return new RunnerOptions(
        profile,
        0,
        0,
        null,
        0,
        CheckpointingMode.EXACTLY_ONCE,
        DEFAULT_CHECKPOINT_TIMEOUT_MS,
        0,
        DEFAULT_RESTART_ATTEMPTS,
        DEFAULT_RESTART_DELAY_MS,
        false,
        null);
  }

  public RunnerOptions withProfile(RunnerProfile p) {
    return new RunnerOptions(
        p,
        parallelism,
        maxParallelism,
        flinkMaster,
        checkpointingIntervalMs,
        checkpointingMode,
        checkpointTimeoutMs,
        minPauseBetweenCheckpointsMs,
        restartAttempts,
        restartDelayMs,
        objectReuse,
        flinkConfDir);
  }

  public RunnerOptions withParallelism(int n) {
    return new RunnerOptions(
        profile,
        n,
        maxParallelism,
        flinkMaster,
        checkpointingIntervalMs,
        checkpointingMode,
        checkpointTimeoutMs,
        minPauseBetweenCheckpointsMs,
        restartAttempts,
        restartDelayMs,
        objectReuse,
        flinkConfDir);
  }

  public RunnerOptions withMaxParallelism(int n) {
    return new RunnerOptions(
        profile,
        parallelism,
        n,
        flinkMaster,
        checkpointingIntervalMs,
        checkpointingMode,
        checkpointTimeoutMs,
        minPauseBetweenCheckpointsMs,
        restartAttempts,
        restartDelayMs,
        objectReuse,
        flinkConfDir);
  }

  public RunnerOptions withFlinkMaster(@Nullable String hostPort) {
    return new RunnerOptions(
        profile,
        parallelism,
        maxParallelism,
        hostPort,
        checkpointingIntervalMs,
        checkpointingMode,
        checkpointTimeoutMs,
        minPauseBetweenCheckpointsMs,
        restartAttempts,
        restartDelayMs,
        objectReuse,
        flinkConfDir);
  }

  public RunnerOptions withCheckpointing(
      long intervalMs, CheckpointingMode mode, long timeoutMs, long minPauseMs) {
    return new RunnerOptions(
        profile,
        parallelism,
        maxParallelism,
        flinkMaster,
        intervalMs,
        mode,
        timeoutMs,
        minPauseMs,
        restartAttempts,
        restartDelayMs,
        objectReuse,
        flinkConfDir);
  }

  public RunnerOptions withCheckpointingInterval(long intervalMs) {
    return withCheckpointing(
        intervalMs, checkpointingMode, checkpointTimeoutMs, minPauseBetweenCheckpointsMs);
  }

  public RunnerOptions withRestarts(int attempts, long delayMs) {
    return new RunnerOptions(
        profile,
        parallelism,
        maxParallelism,
        flinkMaster,
        checkpointingIntervalMs,
        checkpointingMode,
        checkpointTimeoutMs,
        minPauseBetweenCheckpointsMs,
        attempts,
        delayMs,
        objectReuse,
        flinkConfDir);
  }

  public RunnerOptions withObjectReuse(boolean reuse) {
    return new RunnerOptions(
        profile,
        parallelism,
        maxParallelism,
        flinkMaster,
        checkpointingIntervalMs,
        checkpointingMode,
        checkpointTimeoutMs,
        minPauseBetweenCheckpointsMs,
        restartAttempts,
        restartDelayMs,
        reuse,
        flinkConfDir);
  }

  public RunnerOptions withFlinkConfDir(@Nullable String dir) {
    return new RunnerOptions(
        profile,
        parallelism,
        maxParallelism,
        flinkMaster,
        checkpointingIntervalMs,
        checkpointingMode,
        checkpointTimeoutMs,
        minPauseBetweenCheckpointsMs,
        restartAttempts,
        restartDelayMs,
        objectReuse,
        dir);
  }

  /**
   * What is wrong with these options for their profile, each naming the settings key under {@code
   * runner} it concerns; empty when they can run.
   */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (parallelism < 0) {
      problems.add("runner.parallelism: expected 0 (default) or more, got " + parallelism);
    }
    if (maxParallelism < 0 || (maxParallelism > 0 && maxParallelism < parallelism)) {
      problems.add(
          "runner.max_parallelism: expected 0 (default) or at least parallelism ("
              + parallelism
              + "), got "
              + maxParallelism);
    }
    if (checkpointingIntervalMs < 0) {
      problems.add(
          "runner.checkpointing_interval_ms: expected 0 (off) or more, got "
              + checkpointingIntervalMs);
    }
    if (checkpointTimeoutMs <= 0) {
      problems.add(
          "runner.checkpoint_timeout_ms: expected more than 0, got " + checkpointTimeoutMs);
    }
    if (minPauseBetweenCheckpointsMs < 0) {
      problems.add(
          "runner.min_pause_between_checkpoints_ms: expected 0 or more, got "
              + minPauseBetweenCheckpointsMs);
    }
    if (restartAttempts < 0) {
      problems.add("runner.restart_attempts: expected 0 or more, got " + restartAttempts);
    }
    if (restartDelayMs < 0) {
      problems.add("runner.restart_delay_ms: expected 0 or more, got " + restartDelayMs);
    }
    if (profile == RunnerProfile.FLINK_CLUSTER) {
      if (flinkMaster == null || flinkMaster.isBlank()) {
        problems.add(
            "runner.flink_master: the flink-cluster runner needs the JobManager's"
                + " host:port (settings runner.flink_master or --flink-master)");
      } else if (!flinkMaster.equals(FLINK_MASTER_AUTO)
          && !flinkMaster.matches("[^\\s:/]+:\\d{1,5}")) {
        problems.add(
            "runner.flink_master: expected host:port (the JobManager's REST port) or '"
                + FLINK_MASTER_AUTO
                + "' (the Flink client running the job jar), got '"
                + flinkMaster
                + "'");
      }
    }
    return problems;
  }

  /** The Beam pipeline options of this run. */
  public PipelineOptions pipelineOptions() {
    List<String> problems = problems();
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    int cores = Math.max(2, Runtime.getRuntime().availableProcessors());
    if (profile == RunnerProfile.DIRECT) {
      // Element-mutation checks off: our steps never mutate inputs; the checks double the
      // per-element cost and stay on in unit tests through TestPipeline.
      DirectOptions options = PipelineOptionsFactory.create().as(DirectOptions.class);
      options.setRunner(DirectRunner.class);
      options.setTargetParallelism(parallelism > 0 ? parallelism : cores);
      options.setEnforceImmutability(false);
      options.setEnforceEncodability(false);
      options.setBlockOnRun(true);
      return options;
    }
    FlinkPipelineOptions options = PipelineOptionsFactory.create().as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    options.setJobName("elspeth-" + Long.toHexString(System.nanoTime()));
    if (profile == RunnerProfile.FLINK_LOCAL) {
      options.setFlinkMaster("[local]");
      options.setParallelism(parallelism > 0 ? parallelism : cores);
    } else if (FLINK_MASTER_AUTO.equals(flinkMaster)) {
      // Beam's "[auto]": the execution environment of the Flink client running this program,
      // which ships the job jar it was given.
      options.setFlinkMaster("[auto]");
      options.setParallelism(parallelism > 0 ? parallelism : -1);
    } else {
      options.setFlinkMaster(flinkMaster);
      options.setParallelism(parallelism > 0 ? parallelism : -1);
      // One jar, Flink left out (the cluster has it), instead of every jar of our classpath.
      options.setFilesToStage(List.of(FlinkJobJar.locate().toString()));
    }
    if (maxParallelism > 0) {
      options.setMaxParallelism(maxParallelism);
    }
    if (checkpointingIntervalMs > 0) {
      options.setStreaming(true);
      options.setCheckpointingInterval(checkpointingIntervalMs);
      options.setCheckpointingMode(checkpointingMode.name());
      options.setCheckpointTimeoutMillis(checkpointTimeoutMs);
      options.setMinPauseBetweenCheckpoints(minPauseBetweenCheckpointsMs);
      // Our sources are bounded: let the job finish once they are read, instead of keeping
      // idle sources alive for checkpoints that have nothing left to save.
      options.setShutdownSourcesAfterIdleMs(0L);
    }
    options.setNumberOfExecutionRetries(restartAttempts);
    options.setExecutionRetryDelay(restartDelayMs);
    options.setObjectReuse(objectReuse);
    // Our steps never mutate their inputs, so chained operators may hand elements on uncopied.
    options.setFasterCopy(true);
    // Every group of ours is read once (a sink's rows: SinkGroup), so Flink's batch GroupReduce may
    // stream each group from its sorted, spilled buffers; a re-iterable result would keep a whole
    // group (a sink's every row) on one TaskManager's heap.
    options.setReIterableGroupByKeyResult(false);
    options.setFlinkConfDir(flinkConfiguration().toString());
    options.setAttachedMode(true);
    return options;
  }

  /**
   * A folder with the flink-conf.yaml of this run: the user's ({@code flinkConfDir}) and the
   * restart strategy. Beam hands the retry options to Flink's streaming environment only; a batch
   * job takes its restart strategy from this configuration (so do the mini-cluster and the client
   * that submits to a cluster).
   */
  private Path flinkConfiguration() {
    try {
      Path dir = Files.createTempDirectory("elspeth-flink-conf");
      StringBuilder conf = new StringBuilder();
      if (flinkConfDir != null) {
        Path user = Path.of(flinkConfDir).resolve("flink-conf.yaml");
        if (!Files.isRegularFile(user)) {
          throw new IllegalArgumentException(
              "runner.flink_conf_dir: " + flinkConfDir + " has no flink-conf.yaml");
        }
        conf.append(Files.readString(user)).append('\n');
      }
      if (conf.indexOf("restart-strategy") < 0) {
        conf.append("restart-strategy.type: fixed-delay\n")
            .append("restart-strategy.fixed-delay.attempts: ")
            .append(restartAttempts)
            .append('\n')
            .append("restart-strategy.fixed-delay.delay: ")
            .append(restartDelayMs)
            .append(" ms\n");
      }
      Files.writeString(dir.resolve("flink-conf.yaml"), conf);
      dir.resolve("flink-conf.yaml").toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the Flink configuration of the run", e);
    }
  }
}
