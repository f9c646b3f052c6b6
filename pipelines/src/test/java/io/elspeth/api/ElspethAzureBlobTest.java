package io.elspeth.api;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.token.Token;
import io.elspeth.testkit.azurite.Azurite;
import io.elspeth.testkit.beam.ElspethExtension;
import io.elspeth.testkit.beam.TestLandscape;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The typed Azure Blob source and sink ({@link ElspethSources#azureBlob}, {@link
 * ElspethSinks#azureBlob}) run against Azurite: a built pipeline reads a blob and writes a blob,
 * its run reconciles and every blob call is recorded; applied alone, the source reads the blob's
 * rows and the sink writes the blob.
 */
@ExtendWith(ElspethExtension.class)
class ElspethAzureBlobTest {
  private static Azurite azurite;

  @BeforeAll
  static void startAzurite() {
    azurite = Azurite.start();
  }

  @AfterAll
  static void stopAzurite() {
    azurite.close();
  }

  private static BlobContainerClient container() {
    BlobContainerClient c =
        new BlobServiceClientBuilder()
            .connectionString(azurite.connectionString())
            .buildClient()
            .getBlobContainerClient(
                "api" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
    c.create();
    c.getBlobClient("in/orders.csv")
        .upload(BinaryData.fromString("id,amt\n1,250\n2,1500\nthree,999\n4,2000\n"), true);
    return c;
  }

  private static String readOnlySas(BlobContainerClient c) {
    return c.generateSas(
        new BlobServiceSasSignatureValues(
            OffsetDateTime.now().plusHours(1),
            new BlobContainerSasPermission().setReadPermission(true).setListPermission(true)));
  }

  private static Map<String, Object> schema() {
    return Map.of("mode", "fixed", "fields", List.of("id: int", "amt: int"));
  }

  private static List<Long> ids(byte[] jsonl) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<Long> ids = new ArrayList<>();
    for (String line : new String(jsonl, StandardCharsets.UTF_8).split("\n")) {
      ids.add(json.readTree(line).get("id").asLong());
    }
    return ids;
  }

  @Test
  void aBuiltPipelineReadsABlobAndWritesABlobWithEveryCallRecorded(
      TestPipeline p, TestLandscape landscape) throws Exception {
    BlobContainerClient c = container();
    String container = c.getBlobContainerName();
    ElspethPipeline elspeth =
        ElspethPipeline.builder()
            .source(
                ElspethSources.azureBlob(container, "in/orders.csv")
                    .withSasToken(azurite.accountUrl(), readOnlySas(c))
                    .withFormat("csv")
                    .withSchema(schema())
                    .withOnValidationFailure("discard"))
            .sink(
                "out",
                ElspethSinks.azureBlob(container, "results/{{ run_id }}/out.jsonl")
                    .withConnectionString(azurite.connectionString())
                    .withFormat("jsonl"))
            .defaultSink("out")
            .build();
    ElspethResult result = p.apply("elspeth", elspeth);
    PAssert.that(result.sink("out"))
        .satisfies(
            rows -> {
              List<Object> ids = new ArrayList<>();
              rows.forEach(r -> ids.add(r.get("id")));
              assertThat(ids, containsInAnyOrder(1L, 2L, 4L));
              return null;
            });

    RunResult run = elspeth.run(p);

    assertThat(run.toString(), run.status(), equalTo("completed"));
    // The download; the sink's inspect, stage_blocks and commit_block_list.
    landscape
        .assertRun(run.runId())
        .reconciles()
        .hasOutcomes("out", "completed", 3)
        .hasCalls("azure_blob", 4);
    byte[] written =
        c.getBlobClient("results/" + run.runId() + "/out.jsonl").downloadContent().toBytes();
    assertThat(ids(written), containsInAnyOrder(1L, 2L, 4L));
    try (Connection db = landscape.connect();
        PreparedStatement ps =
            db.prepareStatement(
                "SELECT o.operation_type, COUNT(*) FROM calls k JOIN operations o"
                    + " ON o.operation_id = k.operation_id WHERE o.run_id = ?"
                    + " AND k.status = 'success' GROUP BY o.operation_type"
                    + " ORDER BY o.operation_type")) {
      ps.setString(1, run.runId());
      List<String> byOperation = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          byOperation.add(rs.getString(1) + "=" + rs.getLong(2));
        }
      }
      assertThat(byOperation, equalTo(List.of("sink_write=3", "source_load=1")));
    }
  }

  @Test
  void aBlobSourceAndABlobSinkAppliedAloneReadAndWriteTheBlobs(TestPipeline p) throws Exception {
    BlobContainerClient c = container();
    String container = c.getBlobContainerName();
    StepResult read =
        p.apply(
            "orders",
            ElspethSources.azureBlob(container, "in/orders.csv")
                .withConnectionString(azurite.connectionString())
                .withFormat("csv")
                .withSchema(schema())
                .withOnValidationFailure("discard"));
    PAssert.that(read.main())
        .satisfies(
            tokens -> {
              List<Long> ids = new ArrayList<>();
              for (Token t : tokens) {
                ids.add(((Number) t.data().get("id")).longValue());
              }
              assertThat(ids, containsInAnyOrder(1L, 2L, 4L));
              return null;
            });
    read.main()
        .apply(
            "copy",
            ElspethSinks.azureBlob(container, "copies/orders.jsonl")
                .withConnectionString(azurite.connectionString())
                .withFormat("jsonl")
                .named("copy"));

    p.run().waitUntilFinish();

    byte[] written = c.getBlobClient("copies/orders.jsonl").downloadContent().toBytes();
    assertThat(ids(written), containsInAnyOrder(1L, 2L, 4L));
    assertThat(c.getBlobClient("in/orders.csv").exists(), is(true));
  }
}
