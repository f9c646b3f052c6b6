package io.elspeth.connectors.blob;

import static io.elspeth.connectors.blob.BlobFixture.map;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.token.Ids;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.sink.SinkWriter;
import io.elspeth.plugin.SinkResume;
import io.elspeth.testkit.azurite.Azurite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The azure_blob sink's side of the publication protocol against Azurite: output staged as
 * uncommitted blocks before the intent is recorded, committed after, with the publication's id in
 * the metadata; a resumed run appending to the committed blocks; and the repair of a publication a
 * crash interrupted (commit the staged blocks, abandon, or refuse).
 */
class AzureBlobSinkPublicationTest {
  private static Azurite azurite;

  @BeforeAll
  static void startAzurite() {
    azurite = Azurite.start();
  }

  @AfterAll
  static void stopAzurite() {
    azurite.close();
  }

  private static Map<String, Object> options(BlobContainerClient c, Object... more) {
    Map<String, Object> raw =
        map(
            "connection_string",
            azurite.connectionString(),
            "container",
            c.getBlobContainerName(),
            "upload_block_size",
            64L);
    raw.putAll(map(more));
    return raw;
  }

  private static AzureBlobSinkWriter writer(BlobContainerClient c, Object... more) {
    AzureBlobSinkPlugin plugin = new AzureBlobSinkPlugin();
    return (AzureBlobSinkWriter) plugin.create(BlobFixture.options(plugin, options(c, more)));
  }

  private static AzureBlobSinkWriter resumed(
      BlobContainerClient c, String firstRun, String lastTarget, Object... more) {
    AzureBlobSinkPlugin plugin = new AzureBlobSinkPlugin();
    return (AzureBlobSinkWriter)
        plugin.createResuming(
            BlobFixture.options(plugin, options(c, more)), new SinkResume(firstRun, lastTarget));
  }

  private static List<Map<String, Object>> rows(int from, int to) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (long i = from; i < to; i++) {
      rows.add(new LinkedHashMap<>(map("id", i, "name", "row " + i)));
    }
    return rows;
  }

  /** A publisher that checks the blob before the commit, then records (or refuses) the intent. */
  private static final class Recorder implements SinkWriter.Publisher {
    final String id = Ids.groupId();
    final boolean refuse;
    SinkWriter.Staging staging;
    Runnable check = () -> {};

    Recorder(boolean refuse) {
      this.refuse = refuse;
    }

    @Override
    public String publicationId() {
      return id;
    }

    @Override
    public void beforePublish(SinkWriter.Staging s) throws IOException {
      staging = s;
      check.run();
      if (refuse) {
        throw new IOException("the Landscape is gone");
      }
    }

    /** The publication as the Landscape would hold it. */
    SinkPublication publication() {
      SinkWriter.Artifact base = staging.base();
      return new SinkPublication(
          id,
          "run",
          "node",
          "sink",
          1,
          "file",
          staging.target(),
          staging.staged(),
          null,
          0,
          base == null ? null : base.sizeBytes(),
          base == null ? null : base.contentHash(),
          staging.output().sizeBytes(),
          staging.output().contentHash(),
          0L,
          null);
    }
  }

  /** The calls of a repair (recorded by PublicationRepair under an operation of its own). */
  private static OperationCalls repair() {
    return new OperationCalls("run", "op_repair");
  }

  private static byte[] bytes(BlobContainerClient c, String name) {
    return c.getBlobClient(name).downloadContent().toBytes();
  }

  private static List<Block> uncommitted(BlobContainerClient c, String name) {
    return c.getBlobClient(name)
        .getBlockBlobClient()
        .listBlocks(BlockListType.ALL)
        .getUncommittedBlocks();
  }

  @Test
  void theOutputIsStagedBeforeTheIntentAndCommittedAfterWithThePublicationInTheMetadata()
      throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    Recorder publisher = new Recorder(false);
    BlockBlobClient blob = c.getBlobClient("out/run-1.jsonl").getBlockBlobClient();
    publisher.check =
        () -> {
          assertThat("nothing is visible before the intent", blob.exists(), is(false));
          assertThat(
              "the output is staged", uncommitted(c, "out/run-1.jsonl").size(), greaterThan(1));
        };
    OperationCalls calls = new OperationCalls("run-1", "op");
    SinkWriter.Artifact artifact =
        writer(c, "blob_path", "out/{{ run_id }}.jsonl", "format", "jsonl")
            .write(rows(0, 20), calls, publisher);

    byte[] content = bytes(c, "out/run-1.jsonl");
    assertThat(artifact.contentHash(), is(CanonicalJson.sha256Hex(content)));
    assertThat(publisher.staging.output(), equalTo(artifact));
    assertThat(publisher.staging.base(), nullValue());
    assertThat(publisher.staging.staged(), nullValue());
    assertThat(
        blob.getProperties().getMetadata().get(AzureBlobSinkWriter.PUBLICATION_KEY),
        is(publisher.id));
    assertThat(uncommitted(c, "out/run-1.jsonl"), hasSize(0));
    assertThat(
        writer(c, "blob_path", "x", "format", "jsonl").published(publisher.publication(), repair()),
        is(Optional.of(true)));
    // inspect, stage_blocks, commit_block_list: each a recorded call
    assertThat(calls.calls(), hasSize(3));
  }

  @Test
  void aRefusedIntentLeavesTheBlobAsItWasAndTheRepairCommitsTheStagedBlocks() throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    writer(c, "blob_path", "t.csv").write(rows(0, 3), new OperationCalls("r0", "op"));
    byte[] before = bytes(c, "t.csv");
    Recorder publisher = new Recorder(true);
    AzureBlobSinkWriter w = writer(c, "blob_path", "t.csv");
    assertThrows(
        IOException.class, () -> w.write(rows(10, 30), new OperationCalls("r1", "op"), publisher));
    assertThat(bytes(c, "t.csv"), equalTo(before));
    assertThat(publisher.staging.base().contentHash(), is(CanonicalJson.sha256Hex(before)));

    SinkPublication p = publisher.publication();
    assertThat(w.published(p, repair()), is(Optional.of(false)));
    OperationCalls repairCalls = repair();
    assertThat("the staged blocks are committed", w.finishPublication(p, repairCalls), is(true));
    // inspect, download (the blob is still the base), list_staged_blocks, commit_block_list
    assertThat(repairCalls.calls(), hasSize(4));
    byte[] after = bytes(c, "t.csv");
    assertThat(CanonicalJson.sha256Hex(after), is(p.newHash()));
    assertThat(new String(after, StandardCharsets.UTF_8), containsString("row 29"));
    assertThat(w.published(p, repair()), is(Optional.of(true)));
  }

  @Test
  void aPublicationWhoseBlocksAreGoneIsAbandonedWhenTheBlobNeverChanged() throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    Recorder publisher = new Recorder(true);
    AzureBlobSinkWriter w = writer(c, "blob_path", "gone.csv");
    assertThrows(
        IOException.class, () -> w.write(rows(0, 5), new OperationCalls("r", "op"), publisher));
    SinkPublication staged = publisher.publication();
    // Another publication of the same output, which staged nothing: nothing to commit.
    SinkPublication other =
        new SinkPublication(
            Ids.groupId(),
            "run",
            "node",
            "sink",
            1,
            "file",
            staged.target(),
            null,
            null,
            0,
            null,
            null,
            staged.newSize(),
            staged.newHash(),
            0L,
            null);
    assertThat(w.finishPublication(other, repair()), is(false));
    assertThat(c.getBlobClient("gone.csv").exists(), is(false));
  }

  @Test
  void aBlobChangedOutsideElspethIsRefused() throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    Recorder publisher = new Recorder(true);
    AzureBlobSinkWriter w = writer(c, "blob_path", "moved.csv");
    assertThrows(
        IOException.class, () -> w.write(rows(0, 5), new OperationCalls("r", "op"), publisher));
    BlobFixture.upload(c, "moved.csv", "someone else's\n");
    IOException e =
        assertThrows(
            IOException.class, () -> w.finishPublication(publisher.publication(), repair()));
    assertThat(e.getMessage(), containsString("changed outside elspeth"));
    assertThat(BlobFixture.download(c, "moved.csv"), is("someone else's\n"));
  }

  @Test
  void aResumedRunAppendsAfterTheCommittedBlocksWithoutASecondHeader() throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    SinkWriter.Artifact first =
        writer(c, "blob_path", "out/{{ run_id }}.csv")
            .write(rows(0, 10), new OperationCalls("run-a", "op"), new Recorder(false));
    BlockBlobClient blob = c.getBlobClient("out/run-a.csv").getBlockBlobClient();
    List<String> firstBlocks =
        blob.listBlocks(BlockListType.COMMITTED).getCommittedBlocks().stream()
            .map(Block::getName)
            .toList();

    // The resumed run is run-b: the blob keeps the first run's name and rows.
    OperationCalls calls = new OperationCalls("run-b", "op");
    SinkWriter.Artifact second =
        resumed(c, "run-a", first.pathOrUri(), "blob_path", "out/{{ run_id }}.csv")
            .write(rows(10, 25), calls, new Recorder(false));

    byte[] content = bytes(c, "out/run-a.csv");
    assertThat(second.pathOrUri(), is(first.pathOrUri()));
    assertThat(second.contentHash(), is(CanonicalJson.sha256Hex(content)));
    assertThat(second.sizeBytes(), is((long) content.length));
    List<String> lines = List.of(new String(content, StandardCharsets.UTF_8).split("\r\n"));
    assertThat(lines, hasSize(26));
    assertThat(lines.get(0), is("id,name"));
    assertThat(lines.stream().filter(l -> l.equals("id,name")).count(), is(1L));
    assertThat(lines.get(25), is("24,row 24"));
    List<String> now =
        blob.listBlocks(BlockListType.COMMITTED).getCommittedBlocks().stream()
            .map(Block::getName)
            .toList();
    assertThat(
        "the first run's blocks are kept, not uploaded again",
        now.subList(0, firstBlocks.size()),
        equalTo(firstBlocks));
    // inspect, download (hash and header), stage_blocks, commit_block_list
    assertThat(calls.calls(), hasSize(4));
    assertThat(c.getBlobClient("out/run-b.csv").exists(), is(false));
  }

  @Test
  void aResumedRunThatPublishedNothingYetNamesTheBlobAfterTheFirstRun() throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    resumed(c, "run-a", null, "blob_path", "out/{{ run_id }}.jsonl", "format", "jsonl")
        .write(rows(0, 3), new OperationCalls("run-b", "op"), new Recorder(false));
    assertThat(c.getBlobClient("out/run-a.jsonl").exists(), is(true));
    assertThat(c.getBlobClient("out/run-b.jsonl").exists(), is(false));
  }

  @Test
  void withoutOverwriteAResumedRunStillContinuesItsChainsBlobEvenAnEmptyOne() throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    SinkWriter.Artifact empty =
        writer(c, "blob_path", "keep.jsonl", "format", "jsonl", "overwrite", false)
            .write(List.of(), new OperationCalls("r1", "op"), new Recorder(false));
    assertThat(empty.sizeBytes(), is(0L));
    SinkWriter.Artifact second =
        resumed(
                c,
                "r1",
                empty.pathOrUri(),
                "blob_path",
                "keep.jsonl",
                "format",
                "jsonl",
                "overwrite",
                false)
            .write(rows(0, 2), new OperationCalls("r2", "op"), new Recorder(false));
    assertThat(BlobFixture.download(c, "keep.jsonl").split("\n").length, is(2));
    assertThat(second.contentHash(), is(CanonicalJson.sha256Hex(bytes(c, "keep.jsonl"))));
  }

  @Test
  void aJsonArrayIsRewrittenWithItsItemsFirstWhenAppendedTo() throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    SinkWriter.Artifact first =
        writer(c, "blob_path", "a.json", "format", "json")
            .write(rows(0, 4), new OperationCalls("r1", "op"), new Recorder(false));
    SinkWriter.Artifact second =
        resumed(c, "r1", first.pathOrUri(), "blob_path", "a.json", "format", "json")
            .write(rows(4, 6), new OperationCalls("r2", "op"), new Recorder(false));
    byte[] content = bytes(c, "a.json");
    assertThat(second.contentHash(), is(CanonicalJson.sha256Hex(content)));
    Object parsed =
        CanonicalJson.toPlain(new com.fasterxml.jackson.databind.ObjectMapper().readTree(content));
    assertThat(((List<?>) parsed), hasSize(6));
    assertThat(((Map<?, ?>) ((List<?>) parsed).get(5)).get("name"), is("row 5"));
  }

  @Test
  void anInterruptedAppendOfNoRowsIsFinishedWithTheBlobsOwnBlocks() throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    SinkWriter.Artifact first =
        writer(c, "blob_path", "e.csv")
            .write(rows(0, 8), new OperationCalls("r1", "op"), new Recorder(false));
    Recorder publisher = new Recorder(true);
    AzureBlobSinkWriter w = resumed(c, "r1", first.pathOrUri(), "blob_path", "e.csv");
    assertThrows(
        IOException.class, () -> w.write(List.of(), new OperationCalls("r2", "op"), publisher));
    SinkPublication p = publisher.publication();
    assertThat(p.newHash(), is(first.contentHash()));
    assertThat(w.finishPublication(p, repair()), is(true));
    assertThat(CanonicalJson.sha256Hex(bytes(c, "e.csv")), is(first.contentHash()));
    assertThat(w.published(p, repair()), is(Optional.of(true)));
  }

  @Test
  void aBlobUploadedInOneRequestIsRewrittenWhenAppendedTo() throws IOException {
    BlobContainerClient c = BlobFixture.container(azurite);
    BlobFixture.upload(c, "one.jsonl", "{\"id\":0,\"name\":\"row 0\"}\n");
    String target = azurite.accountUrl() + "/" + c.getBlobContainerName() + "/one.jsonl";
    SinkWriter.Artifact a =
        resumed(c, "r1", target, "blob_path", "one.jsonl", "format", "jsonl")
            .write(rows(1, 3), new OperationCalls("r2", "op"), new Recorder(false));
    String text = BlobFixture.download(c, "one.jsonl");
    assertThat(text.split("\n").length, is(3));
    assertThat(text, containsString("row 0"));
    assertThat(a.contentHash(), is(CanonicalJson.sha256Hex(text.getBytes(StandardCharsets.UTF_8))));
  }
}
