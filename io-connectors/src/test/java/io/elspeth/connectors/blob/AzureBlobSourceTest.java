package io.elspeth.connectors.blob;

import static io.elspeth.connectors.blob.BlobFixture.all;
import static io.elspeth.connectors.blob.BlobFixture.map;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.azure.storage.blob.BlobContainerClient;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.testkit.BeamPipelines;
import io.elspeth.testkit.azurite.Azurite;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AzureBlobSourceTest {
  private static final String RUN = "run-blob";
  private static final String NODE = "source-node";
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

  private StepContext context() {
    return new StepContext(RUN, NODE, "source", 0, Map.of("__quarantine__", "edge-q"), null)
        .withLandscape(BlobFixture.landscape(dir));
  }

  private PCollectionTuple read(Pipeline p, Map<String, Object> raw) {
    AzureBlobSourcePlugin plugin = new AzureBlobSourcePlugin();
    return p.apply(plugin.create(BlobFixture.options(plugin, raw), context()));
  }

  private static Map<String, Object> byConnectionString(BlobContainerClient c, Object... more) {
    Map<String, Object> m =
        map(
            "connection_string",
            azurite.connectionString(),
            "container",
            c.getBlobContainerName(),
            "on_validation_failure",
            "quarantine");
    m.putAll(map(more));
    return m;
  }

  private static List<String> names(Iterable<Token> tokens) {
    java.util.List<String> out = new java.util.ArrayList<>();
    tokens.forEach(t -> out.add(String.valueOf(t.data().get("name"))));
    return out;
  }

  @Test
  void csvBlobRowsAreValidatedAndTheDownloadIsOneCallUnderOneSourceLoad() throws Throwable {
    BlobContainerClient c = BlobFixture.container(azurite);
    BlobFixture.upload(c, "in/people.csv", "id,name\n1,alice\n2,bob\nthree,carol\n");
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              read(
                  p,
                  byConnectionString(
                      c,
                      "blob_path",
                      "in/people.csv",
                      "schema",
                      map("mode", "strict", "fields", List.of("id: int", "name: str"))));
          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    assertThat(names(tokens), containsInAnyOrder("alice", "bob"));
                    tokens.forEach(t -> assertThat(t.data().get("id") instanceof Long, is(true)));
                    return null;
                  });
          PAssert.that(out.get(StepTags.ROUTED))
              .satisfies(
                  tokens -> {
                    assertThat(names(tokens), containsInAnyOrder("carol"));
                    return null;
                  });
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    List<OperationRecord> ops = all(records, OperationRecord.class);
                    List<CallRecord> calls = all(records, CallRecord.class);
                    assertThat(ops, hasSize(1));
                    assertThat(ops.get(0).operationType(), is("source_load"));
                    assertThat(ops.get(0).status(), is("completed"));
                    assertThat(calls, hasSize(1));
                    assertThat(calls.get(0).callType(), is("http"));
                    assertThat(calls.get(0).status(), is("success"));
                    assertThat(calls.get(0).operationId(), is(ops.get(0).operationId()));
                    assertThat(
                        calls.get(0).callId(), is("call_" + ops.get(0).operationId() + "_0"));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void eachBlobReadIsReportedToBeamLineageAsASourceWithoutItsCredentials() throws Throwable {
    BlobContainerClient c = BlobFixture.container(azurite);
    for (int b = 0; b < 2; b++) {
      BlobFixture.upload(c, "in/part-" + b + ".csv", "id,name\n" + b + ",n" + b + "\n");
    }
    BeamPipelines.test(
        p -> {
          read(
              p,
              byConnectionString(
                  c,
                  "blob_path",
                  "in/part-*.csv",
                  "schema",
                  map("mode", "strict", "fields", List.of("id: int", "name: str"))));
          org.apache.beam.sdk.PipelineResult result = p.run();
          result.waitUntilFinish();
          java.util.Set<String> sources =
              org.apache.beam.sdk.metrics.Lineage.query(
                  result.metrics(), org.apache.beam.sdk.metrics.Lineage.Type.SOURCE);
          for (int b = 0; b < 2; b++) {
            assertThat(
                sources,
                org.hamcrest.Matchers.hasItem(
                    io.elspeth.connectors.lineage.DatasetName.azureBlob(
                            azurite.accountUrl(), c.getBlobContainerName(), "in/part-" + b + ".csv")
                        .fullyQualifiedName()));
          }
          assertThat(
              String.join(" ", sources),
              org.hamcrest.Matchers.not(containsString(Azurite.ACCOUNT_KEY)));
        });
  }

  @Test
  void aHostileCsvBlobLosesNoRowAndAltersNoByte() throws Throwable {
    BlobContainerClient c = BlobFixture.container(azurite);
    java.io.ByteArrayOutputStream blob = new java.io.ByteArrayOutputStream();
    blob.writeBytes("id,name\n1,a\n2,b".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    blob.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFE});
    blob.writeBytes(
        ("\n3,\"open\n4," + "x".repeat(40) + "\n5,e\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    c.getBlobClient("hostile.csv")
        .upload(com.azure.core.util.BinaryData.fromBytes(blob.toByteArray()), true);
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              read(
                  p,
                  byConnectionString(
                      c,
                      "blob_path",
                      "hostile.csv",
                      "max_field_bytes",
                      20L,
                      "schema",
                      map("mode", "strict", "fields", List.of("id: int", "name: str"))));
          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    assertThat(names(tokens), containsInAnyOrder("a", "e"));
                    return null;
                  });
          PAssert.that(out.get(StepTags.ROUTED))
              .satisfies(
                  tokens -> {
                    java.util.List<Map<String, Object>> raw = new java.util.ArrayList<>();
                    tokens.forEach(t -> raw.add(t.data()));
                    assertThat(raw, hasSize(3));
                    assertThat(
                        raw.stream().anyMatch(r -> "3,\"open".equals(r.get("_raw"))), is(true));
                    assertThat(
                        raw.stream()
                            .anyMatch(
                                r ->
                                    java.util.Arrays.equals(
                                        new byte[] {'2', ',', 'b', (byte) 0xFF, (byte) 0xFE},
                                        java.util.Base64.getDecoder()
                                            .decode(
                                                String.valueOf(
                                                    r.getOrDefault("_raw_base64", ""))))),
                        is(true));
                    assertThat(
                        raw.stream().anyMatch(r -> Long.valueOf(42).equals(r.get("_raw_bytes"))),
                        is(true));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void jsonArrayUnderDataKeyIsReadWithASasToken() throws Throwable {
    BlobContainerClient c = BlobFixture.container(azurite);
    BlobFixture.upload(
        c, "doc.json", "{\"meta\": 1, \"items\": [{\"name\": \"a\"}, {\"name\":" + " \"b\"}, 7]}");
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              read(
                  p,
                  map(
                      "sas_token",
                      BlobFixture.sas(c),
                      "account_url",
                      azurite.accountUrl(),
                      "container",
                      c.getBlobContainerName(),
                      "blob_path",
                      "doc.json",
                      "format",
                      "json",
                      "json_options",
                      map("data_key", "items"),
                      "on_validation_failure",
                      "quarantine"));
          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    assertThat(names(tokens), containsInAnyOrder("a", "b"));
                    return null;
                  });
          PAssert.that(out.get(StepTags.ROUTED).apply(Count.globally())).containsInAnyOrder(1L);
          p.run().waitUntilFinish();
        });
  }

  @Test
  void jsonlBlobIsReadLineByLine() throws Throwable {
    BlobContainerClient c = BlobFixture.container(azurite);
    BlobFixture.upload(c, "rows.jsonl", "{\"name\": \"x\"}\nnot json\n{\"name\": \"y\"}\n");
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              read(p, byConnectionString(c, "blob_path", "rows.jsonl", "format", "jsonl"));
          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    assertThat(names(tokens), containsInAnyOrder("x", "y"));
                    return null;
                  });
          PAssert.that(out.get(StepTags.ROUTED).apply(Count.globally())).containsInAnyOrder(1L);
          p.run().waitUntilFinish();
        });
  }

  @Test
  void aGlobReadsEveryMatchingBlobWithRowIndexesUniqueAcrossBlobs() throws Throwable {
    BlobContainerClient c = BlobFixture.container(azurite);
    for (int b = 0; b < 3; b++) {
      StringBuilder csv = new StringBuilder("name\n");
      for (int r = 0; r < 5; r++) {
        csv.append("b").append(b).append("r").append(r).append('\n');
      }
      BlobFixture.upload(c, "batch/part-" + b + ".csv", csv.toString());
    }
    BlobFixture.upload(c, "batch/readme.txt", "not data\n");
    BlobFixture.upload(c, "other/part-9.csv", "name\nnope\n");
    BeamPipelines.test(
        p -> {
          PCollectionTuple out = read(p, byConnectionString(c, "blob_path", "batch/*.csv"));
          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    List<Long> indexes = new java.util.ArrayList<>();
                    tokens.forEach(t -> indexes.add(t.rowIndex()));
                    assertThat(indexes, hasSize(15));
                    assertThat(indexes.stream().distinct().count(), is(15L));
                    // Rows order as if the blobs were read one after another, in name order.
                    List<String> inOrder =
                        java.util.stream.StreamSupport.stream(tokens.spliterator(), false)
                            .sorted(java.util.Comparator.comparingLong(Token::rowIndex))
                            .map(t -> (String) t.data().get("name"))
                            .toList();
                    assertThat(inOrder.get(0), is("b0r0"));
                    assertThat(inOrder.get(5), is("b1r0"));
                    assertThat(inOrder.get(14), is("b2r4"));
                    return null;
                  });
          PAssert.that(out.get(StepTags.AUDIT))
              .satisfies(
                  records -> {
                    List<OperationRecord> ops = all(records, OperationRecord.class);
                    assertThat(ops, hasSize(4));
                    assertThat(
                        ops.stream().map(OperationRecord::status).toList(),
                        everyItem(is("completed")));
                    assertThat(all(records, CallRecord.class), hasSize(4));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void aBlobOfMoreThanTenMegabytesIsStreamedInBlocks() throws Throwable {
    BlobContainerClient c = BlobFixture.container(azurite);
    // Wide rows keep the row count (and the runner's per-element cost) small.
    int rows = 2_200;
    String pad = "x".repeat(5_000);
    Path local = dir.resolve("big.csv");
    try (var w = Files.newBufferedWriter(local)) {
      w.write("id,pad\n");
      for (int i = 0; i < rows; i++) {
        w.write(i + "," + pad + "\n");
      }
    }
    long size = Files.size(local);
    assertThat(size, greaterThanOrEqualTo(10L * 1024 * 1024));
    c.getBlobClient("big.csv").uploadFromFile(local.toString(), true);
    int blockSize = 1024 * 1024;
    BeamPipelines.test(
        p -> {
          PCollectionTuple out =
              read(
                  p,
                  byConnectionString(
                      c, "blob_path", "big.csv", "download_block_size", (long) blockSize));
          PAssert.that(out.get(StepTags.MAIN).apply(Count.globally()))
              .containsInAnyOrder((long) rows);
          PAssert.that(
                  out.get(StepTags.AUDIT)
                      .apply(
                          MapElements.into(TypeDescriptors.strings())
                              .via(
                                  (AuditRecord r) ->
                                      r instanceof CallRecord call ? call.status() : "other")))
              .satisfies(
                  statuses -> {
                    assertThat(
                        java.util.stream.StreamSupport.stream(statuses.spliterator(), false)
                            .filter("success"::equals)
                            .count(),
                        is(1L));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
    // The reader asked for the blob one block at a time: it never held the whole blob.
    long gets =
        Files.readAllLines(azurite.debugLog()).stream()
            .filter(l -> l.contains("big.csv") && l.contains("x-ms-range"))
            .count();
    assertThat(gets, greaterThanOrEqualTo(size / blockSize));
  }

  private Throwable failedRead(Map<String, Object> raw) {
    return assertThrows(
        Throwable.class,
        () ->
            BeamPipelines.test(
                p -> {
                  read(p, raw);
                  p.run().waitUntilFinish();
                }));
  }

  private static String messages(Throwable t) {
    StringBuilder s = new StringBuilder();
    for (Throwable e = t; e != null; e = e.getCause()) {
      s.append(e.getMessage()).append(" | ");
    }
    return s.toString();
  }

  /** The failed trail committed by the step itself: one failed operation, one failed call. */
  private void assertFailedTrail(String errorCode) throws Exception {
    LandscapeUrl url = BlobFixture.landscape(dir);
    List<List<String>> ops =
        BlobFixture.query(url, "SELECT operation_type, status, error_message FROM operations");
    assertThat(ops, hasSize(1));
    assertThat(ops.get(0).get(0), is("source_load"));
    assertThat(ops.get(0).get(1), is("failed"));
    List<List<String>> calls =
        BlobFixture.query(url, "SELECT call_type, status, error_json, call_index FROM calls");
    assertThat(calls, hasSize(1));
    assertThat(calls.get(0).get(0), is("http"));
    assertThat(calls.get(0).get(1), is("error"));
    assertThat(calls.get(0).get(2), containsString(errorCode));
  }

  @Test
  void aMissingBlobFailsTheReadWithAClearMessageAndAFailedCall() throws Exception {
    BlobContainerClient c = BlobFixture.container(azurite);
    Throwable t = failedRead(byConnectionString(c, "blob_path", "absent.csv"));
    assertThat(
        messages(t),
        containsString(
            "cannot download '"
                + c.getBlobContainerName()
                + "/absent.csv': the blob does not exist (BlobNotFound, HTTP 404)"));
    assertFailedTrail("BlobNotFound");
  }

  @Test
  void aMissingContainerFailsTheReadWithAClearMessageAndAFailedCall() throws Exception {
    Throwable t =
        failedRead(
            map(
                "connection_string",
                azurite.connectionString(),
                "container",
                "nosuchcontainer",
                "blob_path",
                "a.csv",
                "on_validation_failure",
                "discard"));
    assertThat(messages(t), containsString("the container does not exist (ContainerNotFound"));
    assertFailedTrail("ContainerNotFound");
  }

  @Test
  void aWrongAccountKeyIsRefusedWithAClearMessageAndNoKeyInTheTrail() throws Exception {
    BlobContainerClient c = BlobFixture.container(azurite);
    BlobFixture.upload(c, "a.csv", "name\nx\n");
    String wrongKey = "AAAA" + Azurite.ACCOUNT_KEY.substring(4);
    Throwable t =
        failedRead(
            map(
                "connection_string",
                azurite.connectionString().replace(Azurite.ACCOUNT_KEY, wrongKey),
                "container",
                c.getBlobContainerName(),
                "blob_path",
                "a.csv",
                "on_validation_failure",
                "discard"));
    assertThat(messages(t), containsString("refused the credentials"));
    assertThat(messages(t).contains(wrongKey), is(false));
    assertFailedTrail("AuthorizationFailure");
    assertThat(
        new String(
                Files.readAllBytes(dir.resolve("landscape.db")),
                java.nio.charset.StandardCharsets.ISO_8859_1)
            .contains(wrongKey),
        is(false));
  }

  @Test
  void aBadSasSignatureIsRefusedAndTheTokenAppearsNowhere() throws Exception {
    BlobContainerClient c = BlobFixture.container(azurite);
    BlobFixture.upload(c, "a.csv", "name\nx\n");
    String sas = BlobFixture.sas(c);
    String forged = sas.replaceAll("sig=[^&]*", "sig=Zm9yZ2VkLXNpZ25hdHVyZQ%3D%3D");
    Throwable t =
        failedRead(
            map(
                "sas_token",
                forged,
                "account_url",
                azurite.accountUrl(),
                "container",
                c.getBlobContainerName(),
                "blob_path",
                "a.csv",
                "on_validation_failure",
                "discard"));
    assertThat(messages(t), containsString("HTTP 403"));
    assertThat(messages(t).contains("Zm9yZ2VkLXNpZ25hdHVyZQ"), is(false));
    String db =
        new String(
            Files.readAllBytes(dir.resolve("landscape.db")),
            java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(db.contains("Zm9yZ2VkLXNpZ25hdHVyZQ"), is(false));
    assertThat(
        BlobFixture.query(BlobFixture.landscape(dir), "SELECT status FROM calls").stream()
            .flatMap(List::stream)
            .collect(Collectors.toList()),
        containsInAnyOrder("error"));
  }

  @Test
  void anUnreachableEndpointFailsWithAClearMessageAndAFailedCall() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    Throwable t =
        failedRead(
            map(
                "sas_token",
                "sv=2021-08-06&sig=c2VjcmV0",
                "account_url",
                "http://127.0.0.1:" + closedPort + "/devstoreaccount1",
                "container",
                "c",
                "blob_path",
                "a.csv",
                "max_tries",
                1L,
                "on_validation_failure",
                "discard"));
    assertThat(messages(t), containsString("cannot download 'c/a.csv'"));
    assertThat(messages(t).contains("c2VjcmV0"), is(false));
    assertFailedTrail("Exception");
  }
}
