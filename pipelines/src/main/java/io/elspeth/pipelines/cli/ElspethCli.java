package io.elspeth.pipelines.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code elspeth} command. Exit codes: 0 success, 1 a failed run or invalid settings, 2 a usage
 * error. A failure prints {@code elspeth: <reason>} (for settings, every problem found); its stack
 * trace only with {@code --verbose}.
 */
@Command(
    name = "elspeth",
    mixinStandardHelpOptions = true,
    version = "elspeth 0.1.0 (Apache Beam)",
    description = "Auditable Sense/Decide/Act pipelines on Apache Beam.",
    subcommands = {
      RunCommand.class,
      ResumeCommand.class,
      RunsCommand.class,
      ValidateCommand.class,
      PluginsCommand.class,
      ExplainCommand.class,
      ExportCommand.class,
      VerifyCommand.class,
      PurgeCommand.class,
      LandscapeCommand.class,
      WebCommand.class,
      TestkitToolCommand.ChaosLlm.class,
      TestkitToolCommand.Azurite.class,
      CommandLine.HelpCommand.class
    })
public final class ElspethCli implements Runnable {
  static final String VERBOSE = "--verbose";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = VERBOSE,
      scope = ScopeType.INHERIT,
      description = "On a failure, also print the stack trace (and debug logs of elspeth).")
  boolean verbose;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Builds the command line with this project's error handling. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new ElspethCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          CliErrors.print(commandLine.getErr(), ex, verbose(parseResult));
          return 1;
        });
    cli.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine c = ex.getCommandLine();
          c.getErr().println(CliErrors.PREFIX + CliErrors.scrub(String.valueOf(ex.getMessage())));
          c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
          c.getErr().flush();
          return 2;
        });
    return cli;
  }

  /** Whether {@code --verbose} was given, before or after the subcommand's name. */
  static boolean verbose(ParseResult result) {
    for (ParseResult r = result; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption(VERBOSE)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The PostgreSQL driver's own logger (java.util.logging, printed with stack traces by its console
   * handler). Held here because java.util.logging keeps loggers weakly, and a level set on a logger
   * that is collected is lost.
   */
  private static final java.util.logging.Logger PG_DRIVER_LOG =
      java.util.logging.Logger.getLogger("org.postgresql");

  public static void main(String[] args) {
    if (Arrays.asList(args).contains(VERBOSE)) {
      // Read by slf4j-simple when the first logger is made, which is after this line.
      System.setProperty("org.slf4j.simpleLogger.log.io.elspeth", "debug");
      System.setProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "warn");
    } else {
      // When a Landscape server dies while a connection is being opened, the driver warns, with a
      // stack trace, that it could not close the half-open socket; the run's own error already says
      // the server stopped answering. Stack traces are for --verbose.
      PG_DRIVER_LOG.setLevel(java.util.logging.Level.SEVERE);
    }
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = commandLine(out, err).execute(args);
    System.exit(code);
  }
}
