package io.elspeth.pipelines.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code elspeth chaosllm} and {@code elspeth azurite}: listed here so {@code elspeth --help} shows
 * them. These tools live in the testkit, never on the product's classpath, so {@code bin/elspeth}
 * runs them from there before this CLI starts; reaching these classes means the CLI was started
 * some other way.
 */
abstract class TestkitToolCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  // Everything after the name belongs to the testkit tool: taken as it is, never parsed here.
  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() {
    String name = spec.name();
    spec.commandLine()
        .getErr()
        .println(
            "elspeth: "
                + name
                + " runs from the testkit: start it"
                + " with bin/elspeth "
                + name
                + " "
                + String.join(" ", args)
                + " (this java command has the product classpath only)");
    return 2;
  }

  @Command(
      name = "chaosllm",
      description =
          "Run ChaosLLM, the fake OpenAI/Azure AI server for"
              + " tests and demos (`elspeth chaosllm serve --help`).")
  static final class ChaosLlm extends TestkitToolCommand {}

  @Command(
      name = "azurite",
      description =
          "Run Azurite, the Azure Blob emulator, for the"
              + " examples (installed with npm when missing), or upload a file to it"
              + " (`elspeth azurite --help`).")
  static final class Azurite extends TestkitToolCommand {}
}
