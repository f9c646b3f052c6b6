package io.elspeth.pipelines.cli;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.pipelines.graph.PipelinePlan;
import io.elspeth.pipelines.launch.ResumePoint;
import io.elspeth.pipelines.launch.RunLauncher;
import io.elspeth.pipelines.launch.RunSummary;
import io.elspeth.pipelines.settings.PipelineSettings;
import java.io.PrintWriter;
import java.sql.Connection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code elspeth resume RUN_ID -s FILE [--execute]}: a new run that processes only the source rows
 * the earlier run did not finish, appending to its sinks. Without {@code --execute} it says how
 * many rows would be skipped and processed.
 */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description = "Resume a failed or interrupted run: process only the rows it did not finish.")
final class ResumeCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run to resume.")
  String runId;

  @Mixin SettingsOption settings;

  @Option(
      names = {"-x", "--execute"},
      description = "Actually run (without it: show what would run).")
  boolean execute;

  @Mixin RunnerOption runner;

  @Mixin ProgressOptions progress;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // Invalid settings reach the CLI's handler: exit 1 with every problem.
    PipelineSettings s = runner.apply(settings.load());
    try {
      if (!execute) {
        LandscapeStore store = LandscapeStores.acquire(s.landscape());
        try (Connection c = store.connection()) {
          ResumePoint point =
              ResumePoint.of(
                  c, runId, PipelinePlan.of("(plan)", s, new SecretFingerprinter(null)), null);
          out.println(
              "run "
                  + runId
                  + ": "
                  + point.rowsDone()
                  + " of "
                  + point.rowsRecorded()
                  + " recorded rows finished"
                  + (point.chain().size() > 1
                      ? " (over the resume chain " + String.join(" -> ", point.chain()) + ")"
                      : "")
                  + "; a resume first completes the"
                  + " sink outputs the Landscape recorded as being published, then skips the finished"
                  + " rows and processes the rest of the source, appending to the sinks");
          out.println("dry run: add --execute to resume");
          return 0;
        } finally {
          LandscapeStores.release(s.landscape());
        }
      }
      RunLauncher launcher = progress.launcher(spec);
      long start = System.nanoTime();
      RunSummary summary = launcher.resume(s, runId);
      return progress.report(
          summary, (System.nanoTime() - start) / 1e9, out, err, CliErrors.verbose(spec));
    } catch (ResumePoint.ResumeException e) {
      CliErrors.print(err, e, CliErrors.verbose(spec));
      return 1;
    }
  }
}
