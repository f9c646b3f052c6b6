package io.elspeth.pipelines.cli;

import io.elspeth.audit.export.SigningKey;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.console.ConsoleConfigException;
import io.elspeth.console.LlmPrices;
import io.elspeth.console.WebConsole;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code elspeth web --database URL [--host H] [--port P] [--payload-dir DIR]}: serves the
 * read-only web console over a Landscape until the process is stopped. Off loopback it requires the
 * access token in {@code ELSPETH_WEB_TOKEN}; exports it serves are signed with {@code
 * ELSPETH_SIGNING_KEY} when that is set.
 */
@Command(
    name = "web",
    mixinStandardHelpOptions = true,
    description =
        "Serve a read-only web console over a Landscape (runs, DAG with counts, row"
            + " lineage, live progress).")
final class WebCommand implements Callable<Integer> {
  @Option(names = "--database", paramLabel = "URL", description = LandscapeOption.DESCRIPTION)
  String database;

  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description =
          "Address to bind (default: ${DEFAULT-VALUE}); any other than loopback"
              + " requires "
              + WebConsole.TOKEN_ENV
              + ".")
  String host;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "8765",
      description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--payload-dir",
      paramLabel = "DIR",
      description = "Payload store to show stored rows, requests and responses from.")
  Path payloadDir;

  @Option(
      names = "--llm-prices",
      paramLabel = "FILE",
      description =
          "JSON prices of LLM tokens for estimated costs: {\"<model>\": {\"prompt\":"
              + " <USD per million>, \"completion\": <USD per million>}}.")
  Path llmPrices;

  @Spec CommandSpec spec;

  /** The environment, replaceable in tests. */
  Map<String, String> env = System.getenv();

  @Override
  public Integer call() throws Exception {
    LandscapeUrl url = LandscapeOption.url(database);
    Optional<String> missing = LandscapeOption.missing(url);
    if (missing.isPresent()) {
      CliErrors.print(spec.commandLine().getErr(), missing.get());
      return 1;
    }
    Optional<String> noPayloads = LandscapeOption.missingPayloadDir(payloadDir);
    if (noPayloads.isPresent()) {
      CliErrors.print(spec.commandLine().getErr(), noPayloads.get());
      return 1;
    }
    String token = env.get(WebConsole.TOKEN_ENV);
    SigningKey key = env.containsKey(SigningKey.ENV) ? SigningKey.fromEnvironment(env) : null;
    LlmPrices prices;
    try {
      prices = llmPrices == null ? LlmPrices.none() : LlmPrices.read(llmPrices);
    } catch (ConsoleConfigException e) {
      CliErrors.print(spec.commandLine().getErr(), String.valueOf(e.getMessage()));
      return 1;
    }
    try (LandscapeStore store = LandscapeStore.open(url);
        WebConsole console =
            WebConsole.builder(store)
                .withHost(host)
                .withPort(port)
                .withAccessToken(token)
                .withSigningKey(key)
                .withLlmPrices(prices)
                .withPayloadStore(payloadDir == null ? null : FilesystemPayloadStore.at(payloadDir))
                .start()) {
      spec.commandLine()
          .getErr()
          .println(
              "elspeth web: serving "
                  + url
                  + " at "
                  + console.url()
                  + (token == null ? " (loopback only)" : " (access token required)")
                  + "; stop with Ctrl-C");
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "elspeth-web-stop"));
      stopped.await();
      return 0;
    } catch (ConsoleConfigException e) {
      CliErrors.print(spec.commandLine().getErr(), String.valueOf(e.getMessage()));
      return 1;
    }
  }
}
