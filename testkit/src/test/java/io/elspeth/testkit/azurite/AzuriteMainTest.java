package io.elspeth.testkit.azurite;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.azure.storage.blob.BlobServiceClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AzuriteMainTest {
  @TempDir Path dir;

  /**
   * The upload command of docs/plugins.md for the Azure Blob example: container made, blob written.
   */
  @Test
  void uploadCreatesTheContainerAndWritesTheFileAsTheBlob() throws Exception {
    Path input = Files.writeString(dir.resolve("input.csv"), "id,text\n1,hello\n");
    try (Azurite azurite = Azurite.start()) {
      int code =
          new CommandLine(new AzuriteMain())
              .execute(
                  "upload",
                  "--container",
                  "elspeth-demo",
                  "--blob",
                  "input/sentiment_data.csv",
                  "--connection-string",
                  azurite.connectionString(),
                  input.toString());
      assertThat(code, is(0));
      String blob =
          new BlobServiceClientBuilder()
              .connectionString(azurite.connectionString())
              .buildClient()
              .getBlobContainerClient("elspeth-demo")
              .getBlobClient("input/sentiment_data.csv")
              .downloadContent()
              .toString();
      assertThat(blob, is("id,text\n1,hello\n"));
    }
  }
}
