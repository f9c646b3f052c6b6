package io.elspeth.connectors.blob;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.token.Ids;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.sink.CsvSinkWriter;
import io.elspeth.connectors.sink.SinkWriter;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Serialises a sink's rows (CSV, JSON array or JSONL, as the file sinks write them) into one block
 * blob, in the steps of the sink publication protocol: the blob as it is (the base) is inspected,
 * the output is staged as uncommitted blocks of {@code blockSize} while it is produced and hashed,
 * the publisher records the intent, and only then is the block list committed, in one request,
 * conditional on the blob still being the base (absent, or the same ETag) and tagged with the
 * publication's id in the blob's metadata ({@value #PUBLICATION_KEY}), so that {@link #published}
 * can tell after a crash whether the commit happened, and {@link #finishPublication} can commit
 * blocks a crash left staged. Without {@code overwrite} an existing blob fails the write.
 *
 * <p>A writer made by {@link #resuming} appends to the blob the runs it resumes published: the
 * committed blocks of that blob are kept (they are re-listed, not re-uploaded) and the new rows'
 * blocks follow them; CSV writes no second header and keeps the blob's columns. A JSON array cannot
 * grow by blocks, so it is rewritten whole with the old items first (also a blob whose blocks were
 * not written by this sink).
 *
 * <p>Each Blob Storage request group is one {@code http} call (provider {@code azure_blob_storage})
 * under the sink_write operation: {@code inspect} (properties and block list), {@code download}
 * (the base, read to hash it and, for CSV, its header), {@code stage_blocks} and {@code
 * commit_block_list}. The artifact is the blob's URL (no SAS) with the SHA-256 and size of the
 * committed content.
 *
 * <p>The container's client is built once per DoFn instance by {@link #setup()} (the DoFn's
 * {@code @Setup}) and dropped by {@link #teardown()}; a writer used without {@code setup()} builds
 * one for each call.
 */
public final class AzureBlobSinkWriter implements SinkWriter {
  /** Output formats. */
  public enum Format {
    CSV,
    JSON,
    JSONL
  }

  /** Bytes per staged block (default 4 MiB): memory used by an upload beyond the rows. */
  public static final int DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;

  /** Metadata key of a committed blob: the id of the publication that committed it. */
  public static final String PUBLICATION_KEY = "elspeth_publication";

  private final AzureAuth auth;
  private final String container;
  private final String blobPath;
  private final BlobOutputFormat outputFormat;
  private final boolean overwrite;
  private final SchemaSpec schema;
  private final int blockSize;

  /** The run whose id names the blob; null: the writing run. */
  private final @Nullable String nameRunId;

  /** The blob this writer appends to (a resumed run's); null: the rendered blob_path. */
  private final @Nullable String appendTo;

  /** The audited requests to the container. */
  private final AuditedBlobRequests requests;

  /** The container's client of a set-up writer; null before {@link #setup()}. */
  private transient @Nullable BlobContainerClient client;

  public AzureBlobSinkWriter(
      AzureAuth auth,
      String container,
      String blobPath,
      Format format,
      boolean overwrite,
      char delimiter,
      String encoding,
      boolean includeHeader,
      SchemaSpec schema,
      int blockSize) {
    this(
        auth,
        container,
        blobPath,
        new BlobOutputFormat(format, delimiter, encoding, includeHeader),
        overwrite,
        schema,
        blockSize,
        null,
        null);
  }

  private AzureBlobSinkWriter(
      AzureAuth auth,
      String container,
      String blobPath,
      BlobOutputFormat outputFormat,
      boolean overwrite,
      SchemaSpec schema,
      int blockSize,
      @Nullable String nameRunId,
      @Nullable String appendTo) {
    this.auth = auth;
    this.container = container;
    this.blobPath = blobPath;
    this.outputFormat = outputFormat;
    this.overwrite = overwrite;
    this.schema = schema;
    this.blockSize = blockSize;
    this.nameRunId = nameRunId;
    this.appendTo = appendTo;
    this.requests = new AuditedBlobRequests(auth, container);
  }

  /** A resumed run's writer keeps the blob its chain published and adds the rows to it. */
  @Override
  public boolean appends() {
    return appendTo != null;
  }

  /**
   * This writer for a run that resumes others: it appends to {@code appendTo}, the blob they last
   * published (its artifact path or its name), or when they published none writes the blob that
   * {@code blob_path} names for {@code firstRunId} (the run the resumed chain began with: a resume
   * continues that run's output).
   */
  public AzureBlobSinkWriter resuming(String firstRunId, @Nullable String appendTo) {
    String name =
        appendTo == null
            ? null
            : appendTo.startsWith(uriPrefix())
                ? appendTo.substring(uriPrefix().length())
                : appendTo;
    return new AzureBlobSinkWriter(
        auth, container, blobPath, outputFormat, overwrite, schema, blockSize, firstRunId, name);
  }

  @Override
  public String target() {
    return uriPrefix() + blobPath;
  }

  @Override
  public io.elspeth.connectors.lineage.DatasetName dataset() {
    return io.elspeth.connectors.lineage.DatasetName.azureBlob(auth.account(), container, blobPath);
  }

  /**
   * The blob {@code blob_path} names for {@code runId} (the blob a resumed writer appends to, or
   * its chain's first run's): the name {@link #write} uploads, but for a path templated with {@code
   * timestamp}, which is rendered with the time this is asked.
   */
  @Override
  public io.elspeth.connectors.lineage.DatasetName dataset(String runId) {
    String name =
        appendTo != null
            ? appendTo
            : BlobPathTemplate.render(
                blobPath, nameRunId != null ? nameRunId : runId, Instant.now());
    return io.elspeth.connectors.lineage.DatasetName.azureBlob(auth.account(), container, name);
  }

  private String uriPrefix() {
    return auth.account() + "/" + container + "/";
  }

  /** Builds the container's client (no request is made: a failure is a failed call later). */
  @Override
  public synchronized void setup() {
    if (client == null) {
      client = containerClient();
    }
  }

  /** Drops the client; the SDK's synchronous client holds nothing that must be closed. */
  @Override
  public synchronized void teardown() {
    client = null;
  }

  /** The set-up client, or one built for this call. */
  private synchronized BlobContainerClient blobContainer() {
    return client != null ? client : containerClient();
  }

  private BlobContainerClient containerClient() {
    return auth.serviceClient().getBlobContainerClient(container);
  }

  @Override
  public Artifact write(Iterable<Map<String, Object>> rows, OperationCalls calls)
      throws IOException {
    return write(rows, calls, null);
  }

  /** What the file sinks refuse in the same format (a blob has no header to append to). */
  @Override
  public java.util.Optional<String> cannotWrite(Map<String, Object> row) {
    return outputFormat.cannotWrite(row);
  }

  @Override
  public Artifact write(
      Iterable<Map<String, Object>> rows, OperationCalls calls, @Nullable Publisher publisher)
      throws IOException {
    String blobName =
        appendTo != null
            ? appendTo
            : BlobPathTemplate.render(
                blobPath, nameRunId != null ? nameRunId : calls.runId(), Instant.now());
    String where = "'" + container + "/" + blobName + "'";
    BlockBlobClient blob = blobContainer().getBlobClient(blobName).getBlockBlobClient();
    String publicationId = publisher != null ? publisher.publicationId() : Ids.groupId();
    MessageDigest digest = BlockUpload.sha256();

    CommittedBlob base = requests.inspect(blob, blobName, where, calls);
    boolean append = appendTo != null && base != null && base.size() > 0;
    // The blob a resumed run continues is its chain's own (even when empty): no overwrite check.
    if (base != null && appendTo == null && !overwrite) {
      throw new IOException("cannot upload " + where + ": the blob exists and overwrite is false");
    }
    // Blocks the blob already has are kept only when appending lines to blocks of our own.
    boolean keepBase =
        append && base != null && outputFormat.format() != Format.JSON && base.ownBlocks();
    List<String> header = List.of();
    List<Object> oldItems = List.of();
    byte[] baseBytesToRewrite = null;
    String baseHash = null;
    MessageDigest afterBase = null;
    if (base != null) {
      AuditedBlobRequests.BaseContent content =
          requests.download(
              blob, blobName, where, base, calls, append && !keepBase, outputFormat.charset());
      baseHash = content.sha256();
      afterBase = content.afterBase();
      if (append) {
        header =
            outputFormat.format() == Format.CSV && outputFormat.includeHeader()
                ? outputFormat.csvHeader(content.firstLine())
                : header;
        if (outputFormat.format() == Format.JSON) {
          oldItems =
              outputFormat.jsonItems(
                  Objects.requireNonNull(
                      content.bytes(), "the base of a JSON append is downloaded with its bytes"),
                  where);
        } else if (!keepBase) {
          baseBytesToRewrite = content.bytes();
        }
      }
    }
    List<String> fields = header.isEmpty() ? CsvSinkWriter.fieldsOf(schema, rows) : header;
    if (!header.isEmpty()) {
      // The blob's header cannot grow, so a field outside it would be silently lost: refuse.
      for (Map<String, Object> row : rows) {
        for (String key : row.keySet()) {
          if (!fields.contains(key)) {
            throw new IOException(
                "cannot append to "
                    + where
                    + ": field '"
                    + key
                    + "' is not in its header "
                    + fields);
          }
        }
      }
    }

    // Stage: the new blocks, hashed after the kept base's bytes (the committed blob's content).
    if (keepBase) {
      digest = Objects.requireNonNull(afterBase, "a kept base is downloaded and hashed");
    }
    Map<String, Object> stageRequest =
        BlobCallPayload.request("stage_blocks", auth, container, blobName);
    stageRequest.put("format", outputFormat.format().name().toLowerCase());
    stageRequest.put("publication_id", publicationId);
    stageRequest.put("append", append);
    long t0 = System.nanoTime();
    BlockUpload upload =
        new BlockUpload(blob, blockSize, BlockUpload.blockPrefix(publicationId, keepBase), digest);
    try {
      if (baseBytesToRewrite != null) {
        upload.write(baseBytesToRewrite);
      }
      // An appended CSV keeps the blob's header and writes no second one.
      outputFormat.serialise(
          rows, fields, !append && outputFormat.includeHeader(), oldItems, upload);
      upload.finish();
    } catch (IOException | RuntimeException e) {
      throw requests.failed(calls, stageRequest, "stage blocks of " + where, e, t0);
    }
    if (!upload.blockIds().isEmpty()) {
      // An empty output stages nothing: no request, no call.
      Map<String, Object> staged = new LinkedHashMap<>();
      staged.put("blocks", upload.blockIds().size());
      staged.put("bytes", upload.bytes());
      calls.success(
          BlobCallPayload.CALL_TYPE, stageRequest, staged, BlobCallPayload.millisSince(t0));
    }

    List<String> blockList =
        new ArrayList<>(keepBase && base != null ? base.committedIds() : List.of());
    blockList.addAll(upload.blockIds());
    long size = (keepBase && base != null ? base.size() : 0) + upload.bytes();
    String hash = upload.sha256Hex();
    Artifact output = new Artifact("file", uriPrefix() + blobName, hash, size);
    if (publisher != null) {
      CrashPoint.reached("sink.staged");
      publisher.beforePublish(
          new Staging(
              output.pathOrUri(),
              null,
              base == null
                  ? null
                  : new Artifact(
                      "file",
                      output.pathOrUri(),
                      Objects.requireNonNull(baseHash, "a base is downloaded and hashed"),
                      base.size()),
              output));
    }
    requests.commit(
        blob, blobName, where, blockList, base == null ? null : base.etag(), publicationId, calls);
    CrashPoint.reached("sink.published");
    return output;
  }

  /**
   * Whether {@code p} committed: the blob it names carries its id in the metadata ({@code
   * BlobPublicationRepair.published}).
   */
  @Override
  public Optional<Boolean> published(SinkPublication p, OperationCalls calls) throws IOException {
    return repairOf(p).published(calls);
  }

  /**
   * Commits the blocks an interrupted publication staged, when the blob is still what the
   * publication found and every staged block is there ({@code BlobPublicationRepair.finish}).
   */
  @Override
  public boolean finishPublication(SinkPublication p, OperationCalls calls) throws IOException {
    return repairOf(p).finish(calls, outputFormat.charset());
  }

  private BlobPublicationRepair repairOf(SinkPublication p) throws IOException {
    String name = nameOf(p);
    return new BlobPublicationRepair(
        requests, p, blobContainer().getBlobClient(name).getBlockBlobClient(), name);
  }

  private String nameOf(SinkPublication p) throws IOException {
    if (!p.target().startsWith(uriPrefix())) {
      throw new IOException(
          "publication "
              + p.publicationId()
              + " wrote "
              + p.target()
              + ", which is not in container "
              + uriPrefix()
              + " that this sink writes");
    }
    return p.target().substring(uriPrefix().length());
  }
}
