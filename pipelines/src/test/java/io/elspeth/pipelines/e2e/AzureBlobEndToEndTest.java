package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.testkit.azurite.Azurite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blob in, blob out, through the CLI against Azurite: the Landscape holds one source_load with one
 * download call, one sink_write per sink with one upload call for the blob sink, artifacts that
 * hash what was uploaded, counts that reconcile, and neither the SAS token nor the account key
 * anywhere in the Landscape or the CLI's output.
 */
@Tag("e2e")
class AzureBlobEndToEndTest {
  private static Azurite azurite;

  @TempDir Path dir;

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
                "e2e" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
    c.create();
    return c;
  }

  private static String sas(BlobContainerClient c) {
    return c.generateSas(
        new BlobServiceSasSignatureValues(
            OffsetDateTime.now().plusHours(1),
            new BlobContainerSasPermission().setReadPermission(true).setListPermission(true)));
  }

  private Path settings(BlobContainerClient c, String sas, String blobPath) throws Exception {
    return CliHarness.settings(
        dir,
        """
        source:
          plugin: azure_blob
          options:
            sas_token: "%s"
            account_url: %s
            container: %s
            blob_path: %s
            format: csv
            schema: {mode: strict, fields: ["id: int", "text: str"]}
            on_validation_failure: quarantine
        transforms:
          - plugin: passthrough
        sinks:
          output:
            plugin: azure_blob
            options:
              connection_string: "%s"
              container: %s
              blob_path: "results/{{ run_id }}/out.jsonl"
              format: jsonl
          quarantine:
            plugin: json
            options: {path: %s}
        default_sink: output
        landscape:
          url: sqlite:///%s
        """
            .formatted(
                sas,
                azurite.accountUrl(),
                c.getBlobContainerName(),
                blobPath,
                azurite.connectionString(),
                c.getBlobContainerName(),
                dir.resolve("q.jsonl"),
                dir.resolve("audit.db")));
  }

  @Test
  void blobToBlobRunIsAuditedCallByCallAndLeaksNoSecret() throws Exception {
    BlobContainerClient c = container();
    c.getBlobClient("in/feedback.csv")
        .upload(BinaryData.fromString("id,text\n1,great\n2,awful\nx,broken id\n3,fine\n"), true);
    String sas = sas(c);
    Path s = settings(c, sas, "in/feedback.csv");
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));

    try (Connection db = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(db);
      assertThat(
          LandscapeInvariants.outcomes(db),
          is(Map.of("completed@output", 3L, "quarantined@quarantine", 1L)));
      String runId = (String) CliHarness.query(db, "SELECT run_id FROM runs").get(0).get("run_id");
      assertThat(
          CliHarness.count(
              db,
              "SELECT COUNT(*) FROM operations WHERE operation_type ="
                  + " 'source_load' AND status = 'completed'"),
          is(1L));
      assertThat(
          CliHarness.count(
              db,
              "SELECT COUNT(*) FROM operations WHERE operation_type ="
                  + " 'sink_write' AND status = 'completed'"),
          is(2L));
      // One download; the sink's inspect, stage_blocks and commit_block_list: every call hangs
      // off an operation, none failed.
      assertThat(
          CliHarness.count(
              db,
              "SELECT COUNT(*) FROM calls WHERE call_type = 'http' AND"
                  + " status = 'success' AND operation_id IS NOT NULL AND state_id IS NULL"),
          is(4L));
      assertThat(CliHarness.count(db, "SELECT COUNT(*) FROM calls"), is(4L));
      assertThat(
          CliHarness.count(
              db,
              "SELECT COUNT(*) FROM calls c JOIN operations o ON"
                  + " o.operation_id = c.operation_id WHERE c.call_id = 'call_' || o.operation_id ||"
                  + " '_0'"),
          is(2L));

      String blobName = "results/" + runId + "/out.jsonl";
      byte[] uploaded = c.getBlobClient(blobName).downloadContent().toBytes();
      assertThat(new String(uploaded, StandardCharsets.UTF_8).split("\n").length, is(3));
      List<Map<String, Object>> artifacts =
          CliHarness.query(
              db,
              "SELECT path_or_uri,"
                  + " content_hash, size_bytes FROM artifacts WHERE path_or_uri LIKE '%out.jsonl'");
      assertThat(artifacts, hasSize(1));
      assertThat(
          artifacts.get(0).get("path_or_uri"),
          is(azurite.accountUrl() + "/" + c.getBlobContainerName() + "/" + blobName));
      assertThat(artifacts.get(0).get("content_hash"), is(CanonicalJson.sha256Hex(uploaded)));
      assertThat(
          ((Number) artifacts.get(0).get("size_bytes")).longValue(), is((long) uploaded.length));
    }
    String signature = sas.replaceAll(".*sig=([^&]*).*", "$1");
    String landscape =
        new String(Files.readAllBytes(dir.resolve("audit.db")), StandardCharsets.ISO_8859_1);
    for (String secret :
        List.of(
            signature,
            java.net.URLDecoder.decode(signature, StandardCharsets.UTF_8),
            Azurite.ACCOUNT_KEY)) {
      assertThat("secret in the Landscape", landscape.contains(secret), is(false));
      assertThat("secret in the output", (r.out() + r.err()).contains(secret), is(false));
    }
  }

  @Test
  void blobDatasetsAreNamedInOpenLineageEventsWithoutTheSasToken() throws Exception {
    BlobContainerClient c = container();
    c.getBlobClient("in/feedback.csv")
        .upload(BinaryData.fromString("id,text\n1,great\n2,awful\nx,broken id\n3,fine\n"), true);
    String sas = sas(c);
    Path s = settings(c, sas, "in/feedback.csv");
    Path events = dir.resolve("lineage.jsonl");
    Files.writeString(
        s, Files.readString(s) + "lineage: {namespace: blobs, file: " + events + "}\n");
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    String runId;
    try (Connection db = CliHarness.landscape(dir.resolve("audit.db"))) {
      runId = (String) CliHarness.query(db, "SELECT run_id FROM runs").get(0).get("run_id");
    }
    List<String> lines = CliHarness.lines(events);
    assertThat(lines, hasSize(2));
    String namespace =
        "wasbs://"
            + c.getBlobContainerName()
            + "@"
            + Azurite.ACCOUNT_NAME
            + ".dfs.core.windows.net";
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : lines) {
      assertThat(
          line,
          io.elspeth.pipelines.openlineage.OpenLineageSchemaCheck.problems(line),
          org.hamcrest.Matchers.empty());
      com.fasterxml.jackson.databind.JsonNode e = json.readTree(line);
      assertThat(e.at("/inputs/0/namespace").asText(), is(namespace));
      assertThat(e.at("/inputs/0/name").asText(), is("in/feedback.csv"));
      List<String> fields = new java.util.ArrayList<>();
      e.at("/inputs/0/facets/schema/fields").forEach(f -> fields.add(f.path("name").asText()));
      assertThat(fields, org.hamcrest.Matchers.contains("id", "text"));
      List<String> outputs = new java.util.ArrayList<>();
      e.path("outputs")
          .forEach(o -> outputs.add(o.path("namespace").asText() + " " + o.path("name").asText()));
      assertThat(
          outputs, org.hamcrest.Matchers.hasItem(namespace + " results/" + runId + "/out.jsonl"));
    }
    com.fasterxml.jackson.databind.JsonNode complete = json.readTree(lines.get(1));
    assertThat(complete.path("eventType").asText(), is("COMPLETE"));
    assertThat(complete.at("/inputs/0/inputFacets/inputStatistics/rowCount").asLong(), is(4L));
    for (com.fasterxml.jackson.databind.JsonNode o : complete.path("outputs")) {
      if (o.path("namespace").asText().equals(namespace)) {
        assertThat(o.at("/outputFacets/outputStatistics/rowCount").asLong(), is(3L));
      }
    }
    String signature = sas.replaceAll(".*sig=([^&]*).*", "$1");
    String all = String.join("\n", lines);
    for (String secret :
        List.of(
            signature,
            java.net.URLDecoder.decode(signature, StandardCharsets.UTF_8),
            Azurite.ACCOUNT_KEY)) {
      assertThat("secret in the lineage events", all.contains(secret), is(false));
    }
  }

  @Test
  void aGlobReadsManyBlobsInOneRun() throws Exception {
    BlobContainerClient c = container();
    for (int b = 0; b < 3; b++) {
      c.getBlobClient("in/part-" + b + ".csv")
          .upload(
              BinaryData.fromString("id,text\n" + (b * 10 + 1) + ",a\n" + (b * 10 + 2) + ",b\n"),
              true);
    }
    Path s = settings(c, sas(c), "in/part-*.csv");
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    try (Connection db = CliHarness.landscape(dir.resolve("audit.db"))) {
      LandscapeInvariants.assertReconciles(db);
      assertThat(CliHarness.count(db, "SELECT COUNT(DISTINCT row_index) FROM rows"), is(6L));
      // A listing and three downloads, each under its own source_load.
      assertThat(
          CliHarness.count(
              db, "SELECT COUNT(*) FROM operations WHERE operation_type =" + " 'source_load'"),
          is(4L));
      assertThat(
          CliHarness.count(
              db,
              "SELECT COUNT(*) FROM calls c JOIN operations o ON"
                  + " o.operation_id = c.operation_id WHERE o.operation_type = 'source_load'"),
          is(4L));
    }
    List<BlobItem> outputs =
        c.listBlobs().stream().filter(b -> b.getName().startsWith("results/")).toList();
    assertThat(outputs, hasSize(1));
  }

  @Test
  void aMissingBlobFailsTheRunWithAClearReasonAndAFailedCall() throws Exception {
    BlobContainerClient c = container();
    Path s = settings(c, sas(c), "in/absent.csv");
    CliHarness.Result r = CliHarness.run("run", "-s", s.toString(), "--execute");
    assertThat(r.exitCode(), is(1));
    assertThat(r.out() + r.err(), containsString("the blob does not exist (BlobNotFound"));
    try (Connection db = CliHarness.landscape(dir.resolve("audit.db"))) {
      assertThat(CliHarness.count(db, "SELECT COUNT(*) FROM runs WHERE status = 'failed'"), is(1L));
      assertThat(
          CliHarness.count(
              db,
              "SELECT COUNT(*) FROM operations WHERE operation_type ="
                  + " 'source_load' AND status = 'failed' AND error_message LIKE '%BlobNotFound%'"),
          is(1L));
      assertThat(
          CliHarness.count(
              db,
              "SELECT COUNT(*) FROM calls WHERE status = 'error' AND"
                  + " error_json LIKE '%BlobNotFound%'"),
          is(1L));
    }
  }
}
