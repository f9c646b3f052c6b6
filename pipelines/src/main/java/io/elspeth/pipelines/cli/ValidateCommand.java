package io.elspeth.pipelines.cli;

import io.elspeth.pipelines.settings.PipelineSettings;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code elspeth validate -s FILE}: checks a settings file without running it. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = "Validate a settings file: plugins, options, sink references, gate expressions.")
final class ValidateCommand implements Callable<Integer> {
  @Mixin SettingsOption settings;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    // Invalid settings reach the CLI's handler: exit 1 with every problem.
    PipelineSettings s = settings.load();
    spec.commandLine()
        .getOut()
        .println(
            "valid: "
                + s.file()
                + " (source "
                + s.source().plugin()
                + ", "
                + s.transforms().size()
                + " transforms, "
                + s.gates().size()
                + " gates, "
                + s.sinks().size()
                + " sinks)");
    return 0;
  }
}
