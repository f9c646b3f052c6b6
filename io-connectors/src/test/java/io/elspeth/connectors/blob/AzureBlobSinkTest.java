package io.elspeth.connectors.blob;

import static io.elspeth.connectors.blob.BlobFixture.map;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlockListType;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import io.elspeth.testkit.BeamPipelines;
import io.elspeth.testkit.azurite.Azurite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AzureBlobSinkTest {
  private static Azurite azurite;

  @BeforeAll
  static void startAzurite() {
    azurite = Azurite.start();
  }

  @AfterAll
  static void stopAzurite() {
    azurite.close();
  }

  private static SinkWriter sink(BlobContainerClient c, Object... more) {
    Map<String, Object> raw =
        map("connection_string", azurite.connectionString(), "container", c.getBlobContainerName());
    raw.putAll(map(more));
    AzureBlobSinkPlugin plugin = new AzureBlobSinkPlugin();
    return plugin.create(BlobFixture.options(plugin, raw));
  }

  private static List<Map<String, Object>> people() {
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(new LinkedHashMap<>(map("id", 1L, "name", "alice", "score", 2.5)));
    rows.add(new LinkedHashMap<>(map("id", 2L, "name", "bob, jr", "score", 3.0)));
    return rows;
  }

  /** Rows written by the sink come back unchanged through the source, for every format. */
  @ParameterizedTest
  @ValueSource(strings = {"csv", "json", "jsonl"})
  void rowsRoundTripThroughABlob(String format) throws Throwable {
    BlobContainerClient c = BlobFixture.container(azurite);
    OperationCalls calls = new OperationCalls("run-rt", "op_rt");
    SinkWriter.Artifact artifact =
        sink(c, "blob_path", "out/{{ run_id }}/people." + format, "format", format)
            .write(people(), calls);
    String name = "out/run-rt/people." + format;
    byte[] uploaded = c.getBlobClient(name).downloadContent().toBytes();
    assertThat(artifact.contentHash(), is(CanonicalJson.sha256Hex(uploaded)));
    assertThat(artifact.sizeBytes(), is((long) uploaded.length));
    assertThat(
        artifact.pathOrUri(),
        is(azurite.accountUrl() + "/" + c.getBlobContainerName() + "/" + name));
    // inspect, stage_blocks, commit_block_list
    assertThat(calls.calls(), hasSize(3));
    assertThat(calls.calls().stream().allMatch(call -> call.status().equals("success")), is(true));

    AzureBlobSourcePlugin source = new AzureBlobSourcePlugin();
    Map<String, Object> raw =
        map(
            "connection_string",
            azurite.connectionString(),
            "container",
            c.getBlobContainerName(),
            "blob_path",
            name,
            "format",
            format,
            "on_validation_failure",
            "discard",
            "schema",
            map("mode", "strict", "fields", List.of("id: int", "name: str", "score: float")));
    StepContext ctx = new StepContext("run-rt", "src", "source", 0, Map.of(), null);
    BeamPipelines.test(
        p -> {
          PCollectionTuple out = p.apply(source.create(BlobFixture.options(source, raw), ctx));
          PAssert.that(out.get(StepTags.MAIN))
              .satisfies(
                  tokens -> {
                    List<Map<String, Object>> data = new ArrayList<>();
                    tokens.forEach((Token t) -> data.add(t.data()));
                    assertThat(data, containsInAnyOrder(people().toArray()));
                    return null;
                  });
          p.run().waitUntilFinish();
        });
  }

  @Test
  void aLargeOutputIsStagedInBlocksAndCommittedOnce() throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (long i = 0; i < 2_000; i++) {
      rows.add(map("id", i, "text", "row number " + i));
    }
    OperationCalls calls = new OperationCalls("run-big", "op_big");
    SinkWriter.Artifact artifact =
        sink(c, "blob_path", "big.jsonl", "format", "jsonl", "upload_block_size", 4096L)
            .write(rows, calls);
    List<?> blocks =
        c.getBlobClient("big.jsonl")
            .getBlockBlobClient()
            .listBlocks(BlockListType.ALL)
            .getCommittedBlocks();
    assertThat(blocks.size(), greaterThan(1));
    assertThat((long) blocks.size(), is((artifact.sizeBytes() + 4095) / 4096));
    assertThat(BlobFixture.download(c, "big.jsonl").split("\n").length, is(2_000));
    assertThat(calls.calls(), hasSize(3));
  }

  @Test
  void withoutOverwriteAnExistingBlobFailsTheWriteBeforeAnythingIsStaged() {
    BlobContainerClient c = BlobFixture.container(azurite);
    BlobFixture.upload(c, "keep.csv", "precious\n");
    OperationCalls calls = new OperationCalls("run-ow", "op_ow");
    IOException e =
        assertThrows(
            IOException.class,
            () -> sink(c, "blob_path", "keep.csv", "overwrite", false).write(people(), calls));
    assertThat(e.getMessage(), containsString("the blob exists and overwrite is false"));
    assertThat(BlobFixture.download(c, "keep.csv"), is("precious\n"));
    // The inspection that found the blob is on record; nothing was staged or committed.
    assertThat(calls.calls(), hasSize(1));
    CallRecord call = calls.calls().get(0);
    assertThat(call.status(), is("success"));
    assertThat(
        c.getBlobClient("keep.csv")
            .getBlockBlobClient()
            .listBlocks(BlockListType.ALL)
            .getUncommittedBlocks(),
        hasSize(0));
  }

  @Test
  void csvHeaderAndDelimiterFollowCsvOptions() throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    sink(c, "blob_path", "x.csv", "csv_options", map("delimiter", ";", "include_header", false))
        .write(people(), new OperationCalls("r", "op"));
    assertThat(
        new String(c.getBlobClient("x.csv").downloadContent().toBytes(), StandardCharsets.UTF_8),
        is("1;alice;2.5\r\n2;bob, jr;3.0\r\n"));
  }

  @Test
  void blobPathTemplateProblemsAreSettingsErrors() {
    AzureBlobSinkPlugin plugin = new AzureBlobSinkPlugin();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                BlobFixture.options(
                    plugin,
                    map(
                        "connection_string",
                        azurite.connectionString(),
                        "container",
                        "c",
                        "blob_path",
                        "out/{{ nope }}.csv")));
    assertThat(e.getMessage(), containsString("blob_path"));
  }
}
