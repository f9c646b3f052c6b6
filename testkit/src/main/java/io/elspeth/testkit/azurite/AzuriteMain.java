package io.elspeth.testkit.azurite;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code azurite serve|upload}: Azurite for the Azure Blob examples without installing anything by
 * hand ({@code serve} installs it with npm when missing), and a way to put an example's input into
 * a container. {@code bin/elspeth azurite ...} runs this class from the testkit jar.
 */
@Command(
    name = "azurite",
    mixinStandardHelpOptions = true,
    description = "Azurite (the Azure Blob emulator) for the examples.",
    subcommands = {AzuriteMain.Serve.class, AzuriteMain.Upload.class})
public final class AzuriteMain implements Runnable {
  static final String CONNECTION_ENV = "AZURE_STORAGE_CONNECTION_STRING";

  @Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Before the first logger: the SDK warns on every request that the JDK client sets
    // Content-Length itself (the CLI's logging settings quiet the same line).
    System.setProperty(
        "org.slf4j.simpleLogger.log.com.azure.core.http.jdk.httpclient.JdkHttpClient", "error");
    System.exit(new CommandLine(new AzuriteMain()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The connection string of Azurite's development account on {@code port}. */
  static String connectionString(int port) {
    return "DefaultEndpointsProtocol=http;AccountName="
        + Azurite.ACCOUNT_NAME
        + ";AccountKey="
        + Azurite.ACCOUNT_KEY
        + ";BlobEndpoint=http://127.0.0.1:"
        + port
        + "/"
        + Azurite.ACCOUNT_NAME
        + ";";
  }

  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      description = "Run Azurite Blob on 127.0.0.1 until killed (data in memory of this run).")
  static final class Serve implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = {"-P", "--port"},
        description = "Blob port (default 10000).")
    int port = 10000;

    @Override
    public Integer call() throws InterruptedException {
      Azurite azurite = Azurite.start(port);
      // Killed (Ctrl-C, kill) is how serve ends: stop Azurite's node process with it.
      Runtime.getRuntime().addShutdownHook(new Thread(azurite::close, "azurite-stop"));
      spec.commandLine()
          .getOut()
          .println(
              "azurite: blob service on "
                  + azurite.accountUrl()
                  + "\n"
                  + CONNECTION_ENV
                  + "='"
                  + azurite.connectionString()
                  + "'");
      spec.commandLine().getOut().flush();
      new CountDownLatch(1).await();
      return 0;
    }
  }

  @Command(
      name = "upload",
      mixinStandardHelpOptions = true,
      description =
          "Upload FILE as blob BLOB of CONTAINER (created if missing), with the"
              + " connection string of $"
              + CONNECTION_ENV
              + " (default: Azurite on port 10000).")
  static final class Upload implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--container", required = true)
    String container;

    @Option(names = "--blob", required = true, description = "Blob path, e.g. input/data.csv.")
    String blob;

    @Option(names = "--connection-string", description = "Overrides $" + CONNECTION_ENV + ".")
    @Nullable String connectionString;

    @Parameters(paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
      if (!Files.isRegularFile(file)) {
        spec.commandLine().getErr().println("azurite: no such file: " + file);
        return 2;
      }
      String cs = connectionString != null ? connectionString : System.getenv(CONNECTION_ENV);
      BlobContainerClient c =
          new BlobServiceClientBuilder()
              .connectionString(cs == null || cs.isBlank() ? connectionString(10000) : cs)
              .buildClient()
              .getBlobContainerClient(container);
      c.createIfNotExists();
      c.getBlobClient(blob).uploadFromFile(file.toString(), true);
      spec.commandLine()
          .getOut()
          .println("azurite: uploaded " + file + " to " + container + "/" + blob);
      return 0;
    }
  }
}
