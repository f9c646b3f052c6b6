package io.elspeth.pipelines.cli;

import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.PluginDescriptor;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code elspeth plugins list}: every plugin a settings file can name. */
@Command(
    name = "plugins",
    mixinStandardHelpOptions = true,
    description = "Plugin information.",
    subcommands = PluginsCommand.ListCommand.class)
final class PluginsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the available sources, transforms and sinks.")
  static final class ListCommand implements Callable<Integer> {
    // --verbose is the global option (it shows the options too); -v is this command's own.
    @Option(
        names = {"-v", "--all-options"},
        description = "Show every option of every plugin.")
    boolean allOptions;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      boolean verbose = allOptions || CliErrors.verbose(spec);
      String kind = null;
      // One column for every option name, so the longest (retry_on_status_codes ...) aligns.
      List<PluginDescriptor> plugins = PluginRegistry.installed().all();
      int width =
          plugins.stream()
              .flatMap(p -> p.options().stream())
              .mapToInt(o -> o.name().length())
              .max()
              .orElse(0);
      for (PluginDescriptor p : plugins) {
        if (!p.kind().name().equals(kind)) {
          kind = p.kind().name();
          out.println(kind.toLowerCase() + "s:");
        }
        out.printf("  %-28s %s%n", p.name(), p.description());
        if (verbose) {
          for (OptionSpec o : p.options()) {
            out.printf(
                "      %-" + width + "s  %s%s%s%n",
                o.name(),
                o.required() ? "required " : "",
                o.type().expected(),
                defaultText(o));
          }
        }
      }
      return 0;
    }

    /** {@code (default x)}; an empty string shows as {@code ""} rather than as nothing. */
    static String defaultText(OptionSpec o) {
      Object d = o.defaultValue();
      if (d == null) {
        return "";
      }
      return " (default " + (d instanceof String s && s.isEmpty() ? "\"\"" : d) + ")";
    }
  }
}
