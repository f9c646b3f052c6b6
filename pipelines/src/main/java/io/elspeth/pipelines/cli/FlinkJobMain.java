package io.elspeth.pipelines.cli;

import io.elspeth.runners.RunnerOptions;
import io.elspeth.runners.RunnerProfile;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.configuration.DeploymentOptions;

/**
 * The entry point of the Flink job jar, for clusters a team runs itself: their Flink client runs it
 * through its usual doors, {@code flink run elspeth-flink-job.jar run -s settings.yaml --execute}.
 * The arguments are the {@code elspeth} command line; {@code run} and {@code resume} without {@code
 * --runner} run on that client's cluster ({@code --runner flink-cluster --flink-master auto}).
 *
 * <p>Runs must be submitted attached ({@code flink run} without {@code -d}), since elspeth waits
 * for the job to end to reconcile and complete the run; a detached submission (which is how the
 * REST API's jar run executes programs) is refused before anything is recorded. Unlike {@link
 * ElspethCli#main}, it never calls {@code System.exit} (a program may run inside the JobManager): a
 * failure is thrown, so the client reports it.
 */
public final class FlinkJobMain {
  private static final Set<String> RUNS = Set.of("run", "resume");

  private FlinkJobMain() {}

  public static void main(String[] args) {
    String[] cli = onTheClientsCluster(args);
    if (Arrays.asList(cli).contains(RunnerOptions.FLINK_MASTER_AUTO) && !attached()) {
      throw new IllegalStateException(
          "elspeth's job jar runs attached only (`flink run` without"
              + " -d/--detached): elspeth waits for the job to end, then reconciles and completes the"
              + " run in the Landscape; a detached submission (`flink run -d`, the REST API's jar run)"
              + " would leave the run unfinished. Nothing was recorded.");
    }
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = ElspethCli.commandLine(out, err).execute(cli);
    if (code != 0) {
      throw new IllegalStateException(
          "elspeth "
              + String.join(" ", args)
              + " exited with "
              + code
              + " (its reason is printed above)");
    }
  }

  /** Whether the Flink client running this program waits for its jobs to end. */
  private static boolean attached() {
    return ExecutionEnvironment.getExecutionEnvironment()
        .getConfiguration()
        .get(DeploymentOptions.ATTACHED);
  }

  /** The arguments, with the client's cluster as the runner of a run or resume that names none. */
  static String[] onTheClientsCluster(String[] args) {
    List<String> list = new ArrayList<>(Arrays.asList(args));
    boolean isRun =
        list.stream()
            .filter(a -> !a.startsWith("-"))
            .findFirst()
            .filter(RUNS::contains)
            .isPresent();
    boolean namesRunner =
        list.stream().anyMatch(a -> a.equals("--runner") || a.startsWith("--runner="));
    if (isRun && !namesRunner) {
      list.addAll(
          List.of(
              "--runner",
              RunnerProfile.FLINK_CLUSTER.configName(),
              "--flink-master",
              RunnerOptions.FLINK_MASTER_AUTO));
    }
    return list.toArray(String[]::new);
  }
}
