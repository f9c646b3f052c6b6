package io.elspeth.pipelines.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code elspeth} command. Exit codes: 0 success, 1 a failed run or invalid settings, 2 a
 * usage error. Failures print a one-line reason (and, for settings, every problem found).
 */
@Command(name = "elspeth", mixinStandardHelpOptions = true, version = "elspeth 0.1.0 (Apache Beam)",
    description = "Auditable Sense/Decide/Act pipelines on Apache Beam.",
    subcommands = {RunCommand.class, ResumeCommand.class, RunsCommand.class, ValidateCommand.class, PluginsCommand.class,
        ExplainCommand.class, ExportCommand.class, VerifyCommand.class, PurgeCommand.class,
        CommandLine.HelpCommand.class})
public final class ElspethCli implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Builds the command line with this project's error handling. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new ElspethCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("error: " + CliErrors.oneLine(ex));
      return 1;
    });
    return cli;
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = commandLine(out, err).execute(args);
    System.exit(code);
  }
}
