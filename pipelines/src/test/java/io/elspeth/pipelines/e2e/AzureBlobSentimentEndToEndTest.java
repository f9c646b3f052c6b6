package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.elspeth.testkit.azurite.Azurite;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference's azure_blob_sentiment example end to end: blob in (Azurite) → keyword filter →
 * content safety → prompt shield → azure_llm (the fake server) → a blob per sink, every download
 * and upload one call under its operation, and no key in the Landscape.
 */
@Tag("e2e")
class AzureBlobSentimentEndToEndTest {
  @TempDir Path dir;

  @Test
  void exampleRunsFromBlobToBlobsThroughTheSafetyChain() throws Exception {
    ChaosLlmServer server =
        ChaosLlmFixture.with(
            ChaosConfig.builder()
                .responseMode(ChaosConfig.ResponseMode.TEMPLATE)
                .template("neutral")
                .build());
    try (Azurite azurite = Azurite.start()) {
      BlobContainerClient c =
          new BlobServiceClientBuilder()
              .connectionString(azurite.connectionString())
              .buildClient()
              .getBlobContainerClient("elspeth-demo");
      c.create();
      c.getBlobClient("input/sentiment_data.csv")
          .uploadFromFile(
              CliHarness.REPO.resolve("examples/azure_blob_sentiment/input.csv").toString(), true);
      Path settings = CliHarness.example("azure_blob_sentiment", dir);
      Files.writeString(
          dir.resolve(".env"),
          "AZURE_STORAGE_CONNECTION_STRING='"
              + azurite.connectionString()
              + "'\nAZURE_STORAGE_CONTAINER=elspeth-demo\n"
              + "AZURE_ENDPOINT="
              + server.httpsUrl()
              + "\nAZURE_KEY="
              + LlmTransformsEndToEndTest.SECRET
              + "\n");
      CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
      assertThat(r.err(), r.exitCode(), is(0));

      try (Connection db = CliHarness.landscape(dir.resolve("landscape.db"))) {
        LandscapeInvariants.assertReconciles(db);
        assertThat(
            LandscapeInvariants.outcomes(db),
            is(
                Map.of(
                    "completed@output",
                    2L,
                    "routed@blocked",
                    1L,
                    "routed@flagged",
                    1L,
                    "routed@attacks",
                    1L)));
        String runId =
            (String) CliHarness.query(db, "SELECT run_id FROM runs").get(0).get("run_id");
        // One download; per sink (five) an inspect, a stage_blocks (not for the empty
        // llm_errors) and a commit_block_list, each under its operation.
        assertThat(
            CliHarness.count(
                db,
                "SELECT COUNT(*) FROM calls c JOIN operations o ON"
                    + " o.operation_id = c.operation_id WHERE c.call_type = 'http' AND c.status ="
                    + " 'success'"),
            is(15L));
        assertThat(
            CliHarness.count(db, "SELECT COUNT(*) FROM operations WHERE status =" + " 'completed'"),
            is(6L));
        assertThat(
            CliHarness.count(db, "SELECT COUNT(*) FROM calls WHERE call_type = 'llm'"), is(2L));
        String results =
            c.getBlobClient("output/" + runId + "/results.csv").downloadContent().toString();
        assertThat(results.split("\n").length, is(3));
        assertThat(results, containsString("neutral"));
        for (String sink : List.of("flagged", "attacks", "blocked")) {
          assertThat(
              sink,
              c.getBlobClient("output/" + runId + "/" + sink + ".jsonl")
                  .downloadContent()
                  .toString()
                  .split("\n"),
              org.hamcrest.Matchers.arrayWithSize(1));
        }
        assertThat(
            c.getBlobClient("output/" + runId + "/llm_errors.jsonl").getProperties().getBlobSize(),
            is(0L));
      }
      for (String secret : List.of(LlmTransformsEndToEndTest.SECRET, Azurite.ACCOUNT_KEY)) {
        assertThat(r.out() + r.err(), org.hamcrest.Matchers.not(containsString(secret)));
        try (Stream<Path> files = Files.walk(dir)) {
          List<Path> leaking =
              files
                  .filter(Files::isRegularFile)
                  .filter(f -> !f.getFileName().toString().equals(".env"))
                  .filter(f -> !f.getFileName().toString().equals("settings.yaml"))
                  .filter(f -> contains(f, secret))
                  .toList();
          assertThat(leaking, hasSize(0));
        }
      }
    }
  }

  private static boolean contains(Path file, String text) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
