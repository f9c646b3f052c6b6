package io.elspeth.pipelines.settings;

import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.runners.RunnerOptions;
import io.elspeth.runners.RunnerProfile;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code runner} section: the runner profile and its Flink options, and what stops a runner
 * from running with a given Landscape and journal.
 */
final class RunnerSection {
  static final List<OptionSpec> RUNNER =
      List.of(
          OptionSpec.oneOf("profile", "direct", RunnerProfile.names(), "runner profile"),
          OptionSpec.optional("parallelism", OptionType.INT, 0L, "workers; 0: one per core"),
          OptionSpec.optional("max_parallelism", OptionType.INT, 0L, "Flink maximum parallelism"),
          OptionSpec.optional(
              "flink_master", OptionType.STRING, null, "JobManager host:port (flink-cluster)"),
          OptionSpec.optional(
              "checkpointing_interval_ms",
              OptionType.INT,
              0L,
              "Flink checkpoint interval; 0: off (batch mode)"),
          OptionSpec.oneOf(
              "checkpointing_mode",
              "exactly_once",
              List.of("exactly_once", "at_least_once"),
              "Flink checkpointing mode"),
          OptionSpec.optional(
              "checkpoint_timeout_ms",
              OptionType.INT,
              RunnerOptions.DEFAULT_CHECKPOINT_TIMEOUT_MS,
              "Flink checkpoint timeout"),
          OptionSpec.optional("min_pause_between_checkpoints_ms", OptionType.INT, 0L, ""),
          OptionSpec.optional(
              "restart_attempts",
              OptionType.INT,
              (long) RunnerOptions.DEFAULT_RESTART_ATTEMPTS,
              "Flink restarts of a failed job"),
          OptionSpec.optional(
              "restart_delay_ms",
              OptionType.INT,
              RunnerOptions.DEFAULT_RESTART_DELAY_MS,
              "pause before a Flink restart"),
          OptionSpec.optional("object_reuse", OptionType.BOOL, false, "Flink object reuse"),
          OptionSpec.optional(
              "flink_conf_dir", OptionType.PATH, null, "folder of a flink-conf.yaml"));

  private RunnerSection() {}

  /** The {@code runner:} section as runner options (its values already type-checked). */
  static RunnerOptions runnerOptions(PluginOptions o) {
    RunnerProfile profile = RunnerProfile.byName(o.requiredString("profile")).orElseThrow();
    return RunnerOptions.defaults(profile)
        .withParallelism((int) o.integer("parallelism", 0))
        .withMaxParallelism((int) o.integer("max_parallelism", 0))
        .withFlinkMaster(o.string("flink_master"))
        .withCheckpointing(
            o.integer("checkpointing_interval_ms", 0),
            RunnerOptions.CheckpointingMode.valueOf(
                o.requiredString("checkpointing_mode").toUpperCase(java.util.Locale.ROOT)),
            o.integer("checkpoint_timeout_ms", RunnerOptions.DEFAULT_CHECKPOINT_TIMEOUT_MS),
            o.integer("min_pause_between_checkpoints_ms", 0))
        .withRestarts(
            (int) o.integer("restart_attempts", RunnerOptions.DEFAULT_RESTART_ATTEMPTS),
            o.integer("restart_delay_ms", RunnerOptions.DEFAULT_RESTART_DELAY_MS))
        .withObjectReuse(o.bool("object_reuse", false))
        .withFlinkConfDir(o.string("flink_conf_dir"));
  }

  /**
   * What stops {@code runner} from running a pipeline with this Landscape: the options' own
   * problems, and a SQLite Landscape on a runner whose steps may run in other JVMs (a SQLite file
   * has one writer and is not reachable from another machine).
   */
  static List<String> runnerProblems(
      RunnerOptions runner,
      @Nullable LandscapeUrl landscape,
      io.elspeth.audit.journal.LandscapeJournal.@Nullable Options journal) {
    List<String> problems = new ArrayList<>(runner.problems());
    if (journal != null && runner.profile() == RunnerProfile.FLINK_CLUSTER) {
      problems.add(
          "landscape.dump_to_jsonl: the journal is a local file written by every process"
              + " that writes the Landscape; on the "
              + runner.profile().configName()
              + " runner"
              + " those are Flink workers on other machines, so it is supported only with the"
              + " direct and flink-local runners");
    }
    if (landscape != null
        && runner.profile().distributed()
        && landscape.dialect() == io.elspeth.audit.schema.Dialect.SQLITE) {
      problems.add(
          "landscape.url: the "
              + runner.profile().configName()
              + " runner needs a"
              + " server database every Flink worker can reach (postgresql://user@host:port/db);"
              + " a SQLite Landscape ("
              + landscape
              + ") works only with the direct runner");
    }
    return problems;
  }
}
