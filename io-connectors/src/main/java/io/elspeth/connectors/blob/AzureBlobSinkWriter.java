package io.elspeth.connectors.blob;

import com.azure.core.http.rest.Response;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.token.Ids;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.sink.CsvSinkWriter;
import io.elspeth.connectors.sink.JsonSinkWriter;
import io.elspeth.connectors.sink.SinkWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
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

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final AzureAuth auth;
  private final String container;
  private final String blobPath;
  private final Format format;
  private final boolean overwrite;
  private final char delimiter;
  private final String encoding;
  private final boolean includeHeader;
  private final SchemaSpec schema;
  private final int blockSize;

  /** The run whose id names the blob; null: the writing run. */
  private final @Nullable String nameRunId;

  /** The blob this writer appends to (a resumed run's); null: the rendered blob_path. */
  private final @Nullable String appendTo;

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
        format,
        overwrite,
        delimiter,
        encoding,
        includeHeader,
        schema,
        blockSize,
        null,
        null);
  }

  private AzureBlobSinkWriter(
      AzureAuth auth,
      String container,
      String blobPath,
      Format format,
      boolean overwrite,
      char delimiter,
      String encoding,
      boolean includeHeader,
      SchemaSpec schema,
      int blockSize,
      @Nullable String nameRunId,
      @Nullable String appendTo) {
    this.auth = auth;
    this.container = container;
    this.blobPath = blobPath;
    this.format = format;
    this.overwrite = overwrite;
    this.delimiter = delimiter;
    this.encoding = encoding;
    this.includeHeader = includeHeader;
    this.schema = schema;
    this.blockSize = blockSize;
    this.nameRunId = nameRunId;
    this.appendTo = appendTo;
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
        auth,
        container,
        blobPath,
        format,
        overwrite,
        delimiter,
        encoding,
        includeHeader,
        schema,
        blockSize,
        firstRunId,
        name);
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
    Charset charset = Charset.forName(encoding);
    return format == Format.CSV
        ? CsvSinkWriter.unwritable(row, charset, List.of())
        : JsonSinkWriter.unwritable(row, charset);
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
    MessageDigest digest = sha256();

    Base base = inspect(blob, blobName, where, calls);
    boolean append = appendTo != null && base != null && base.size() > 0;
    // The blob a resumed run continues is its chain's own (even when empty): no overwrite check.
    if (base != null && appendTo == null && !overwrite) {
      throw new IOException("cannot upload " + where + ": the blob exists and overwrite is false");
    }
    // Blocks the blob already has are kept only when appending lines to blocks of our own.
    boolean keepBase = append && base != null && format != Format.JSON && base.ownBlocks();
    List<String> header = List.of();
    List<Object> oldItems = List.of();
    byte[] baseBytesToRewrite = null;
    String baseHash = null;
    MessageDigest afterBase = null;
    if (base != null) {
      BaseContent content = download(blob, blobName, where, base, calls, append && !keepBase);
      baseHash = content.sha256();
      afterBase = content.afterBase();
      if (append) {
        header = format == Format.CSV && includeHeader ? csvHeader(content.firstLine()) : header;
        if (format == Format.JSON) {
          oldItems =
              jsonItems(
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
    stageRequest.put("format", format.name().toLowerCase());
    stageRequest.put("publication_id", publicationId);
    stageRequest.put("append", append);
    long t0 = System.nanoTime();
    BlockUpload upload =
        new BlockUpload(blob, blockSize, blockPrefix(publicationId, keepBase), digest);
    try {
      if (baseBytesToRewrite != null) {
        upload.write(baseBytesToRewrite);
      }
      // An appended CSV keeps the blob's header and writes no second one.
      serialise(rows, fields, !append && includeHeader, oldItems, upload);
      upload.finish();
    } catch (IOException | RuntimeException e) {
      throw failed(calls, stageRequest, "stage blocks of " + where, e, t0);
    }
    if (!upload.blockIds.isEmpty()) {
      // An empty output stages nothing: no request, no call.
      Map<String, Object> staged = new LinkedHashMap<>();
      staged.put("blocks", upload.blockIds.size());
      staged.put("bytes", upload.bytes);
      calls.success(
          BlobCallPayload.CALL_TYPE, stageRequest, staged, BlobCallPayload.millisSince(t0));
    }

    List<String> blockList =
        new ArrayList<>(keepBase && base != null ? base.committedIds() : List.of());
    blockList.addAll(upload.blockIds);
    long size = (keepBase && base != null ? base.size() : 0) + upload.bytes;
    String hash = HexFormat.of().formatHex(upload.digest.digest());
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
    commit(
        blob, blobName, where, blockList, base == null ? null : base.etag(), publicationId, calls);
    CrashPoint.reached("sink.published");
    return output;
  }

  /**
   * Commits {@code blockList} with the publication's id in the metadata, only if the blob is still
   * {@code etag} (null: still absent).
   */
  private void commit(
      BlockBlobClient blob,
      String blobName,
      String where,
      List<String> blockList,
      @Nullable String etag,
      String publicationId,
      OperationCalls calls)
      throws IOException {
    Map<String, Object> request =
        BlobCallPayload.request("commit_block_list", auth, container, blobName);
    request.put("blocks", blockList.size());
    request.put("publication_id", publicationId);
    request.put("if_match", etag == null ? "absent" : etag);
    long t0 = System.nanoTime();
    BlockBlobCommitBlockListOptions options =
        new BlockBlobCommitBlockListOptions(blockList)
            .setMetadata(Map.of(PUBLICATION_KEY, publicationId))
            .setRequestConditions(
                etag == null
                    ? new BlobRequestConditions().setIfNoneMatch("*")
                    : new BlobRequestConditions().setIfMatch(etag));
    Response<BlockBlobItem> response;
    try {
      response = blob.commitBlockListWithResponse(options, null, Context.NONE);
    } catch (RuntimeException e) {
      throw failed(calls, request, "commit " + where, e, t0);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status_code", response.getStatusCode());
    out.put("etag", response.getValue().getETag());
    calls.success(BlobCallPayload.CALL_TYPE, request, out, BlobCallPayload.millisSince(t0));
  }

  private IOException failed(
      OperationCalls calls, Map<String, Object> request, String action, Exception e, long t0) {
    BlobFailure failure = BlobFailure.of(action, e);
    calls.error(
        BlobCallPayload.CALL_TYPE, request, failure.asError(), BlobCallPayload.millisSince(t0));
    // The SDK's exception is not chained: its text may quote request URLs.
    return new IOException(failure.message());
  }

  /** The blob as it is: null when absent. */
  private @Nullable Base inspect(
      BlockBlobClient blob, String blobName, String where, OperationCalls calls)
      throws IOException {
    Map<String, Object> request = BlobCallPayload.request("inspect", auth, container, blobName);
    long t0 = System.nanoTime();
    Base base;
    try {
      base = Base.of(blob);
    } catch (RuntimeException e) {
      throw failed(calls, request, "inspect " + where, e, t0);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("exists", base != null);
    if (base != null) {
      out.put("etag", base.etag());
      out.put("size", base.size());
      out.put("committed_blocks", base.committedIds().size());
    }
    calls.success(BlobCallPayload.CALL_TYPE, request, out, BlobCallPayload.millisSince(t0));
    return base;
  }

  /**
   * What a download of the base gave: its hash, a digest that has consumed its content (to go on
   * hashing what follows it), its first line, and (when kept) its bytes.
   */
  private record BaseContent(
      String sha256, MessageDigest afterBase, String firstLine, byte @Nullable [] bytes) {}

  /**
   * Reads the base (as of its ETag) to hash it; keeps its bytes when {@code keep} (a rewrite, or a
   * JSON array whose items are read back).
   */
  private BaseContent download(
      BlockBlobClient blob,
      String blobName,
      String where,
      Base base,
      OperationCalls calls,
      boolean keep)
      throws IOException {
    Map<String, Object> request = BlobCallPayload.request("download", auth, container, blobName);
    request.put("if_match", base.etag());
    long t0 = System.nanoTime();
    MessageDigest digest = sha256();
    ByteArrayOutputStream firstLine = new ByteArrayOutputStream();
    ByteArrayOutputStream kept = keep ? new ByteArrayOutputStream() : null;
    try (InputStream in =
        blob.openInputStream(
            new BlobInputStreamOptions()
                .setRequestConditions(new BlobRequestConditions().setIfMatch(base.etag())))) {
      byte[] buf = new byte[1 << 16];
      boolean lineDone = false;
      int n;
      while ((n = in.read(buf)) > 0) {
        digest.update(buf, 0, n);
        if (kept != null) {
          kept.write(buf, 0, n);
        }
        for (int i = 0; i < n && !lineDone; i++) {
          if (buf[i] == '\n' || firstLine.size() > (1 << 20)) {
            lineDone = true;
          } else {
            firstLine.write(buf[i]);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      throw failed(calls, request, "download " + where, e, t0);
    }
    MessageDigest afterBase;
    try {
      afterBase = (MessageDigest) digest.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the platform's SHA-256 digest can be cloned", e);
    }
    String hash = HexFormat.of().formatHex(digest.digest());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("content_hash", hash);
    out.put("bytes", base.size());
    calls.success(BlobCallPayload.CALL_TYPE, request, out, BlobCallPayload.millisSince(t0));
    return new BaseContent(
        hash,
        afterBase,
        firstLine.toString(Charset.forName(encoding)),
        kept == null ? null : kept.toByteArray());
  }

  private List<String> csvHeader(String firstLine) throws IOException {
    if (firstLine.isEmpty()) {
      return List.of();
    }
    try (CSVParser parser =
        CSVParser.parse(
            new StringReader(firstLine),
            CSVFormat.DEFAULT.builder().setDelimiter(delimiter).get())) {
      var it = parser.iterator();
      return it.hasNext() ? it.next().toList() : List.of();
    }
  }

  private List<Object> jsonItems(byte[] bytes, String where) throws IOException {
    JsonNode existing = MAPPER.readTree(new String(bytes, Charset.forName(encoding)));
    if (existing == null || !existing.isArray()) {
      throw new IOException("cannot append to " + where + ": it does not hold a JSON array");
    }
    List<Object> items = new ArrayList<>();
    existing.forEach(n -> items.add(CanonicalJson.toPlain(n)));
    return items;
  }

  private void serialise(
      Iterable<Map<String, Object>> rows,
      List<String> fields,
      boolean header,
      List<Object> oldItems,
      OutputStream out)
      throws IOException {
    Charset charset = Charset.forName(encoding);
    switch (format) {
      case CSV -> CsvSinkWriter.print(out, charset, delimiter, fields, Map.of(), header, rows);
      case JSON -> {
        Iterable<?> items =
            oldItems.isEmpty()
                ? rows
                : () ->
                    Stream.concat(
                            oldItems.stream(), StreamSupport.stream(rows.spliterator(), false))
                        .iterator();
        // ELSPETH's blob sink writes json.dumps(rows, indent=2).
        JsonSinkWriter.print(out, charset, JsonSinkWriter.Format.JSON, 2, items);
      }
      // Each line ended by "\n" (ELSPETH's blob sink leaves the last one open; a blob appended
      // to later needs it closed).
      case JSONL -> JsonSinkWriter.print(out, charset, JsonSinkWriter.Format.JSONL, -1, rows);
    }
    out.flush();
  }

  /**
   * Whether {@code p} committed: the blob it names carries its id in the metadata (set by the same
   * request that commits the blocks). Every commit replaces the metadata, so a later commit hides
   * an earlier one: a repair asks about a blob's publications oldest first, each repaired before
   * the next run writes. A blob carrying the id with another size than the publication's was
   * changed outside elspeth: refused.
   */
  @Override
  public Optional<Boolean> published(SinkPublication p, OperationCalls calls) throws IOException {
    BlockBlobClient blob = blobOf(p);
    Base now = inspect(blob, nameOf(p), "'" + p.target() + "'", calls);
    if (now == null || !p.publicationId().equals(now.publication())) {
      return Optional.of(false);
    }
    if (now.size() != p.newSize()) {
      throw new IOException(
          "the blob "
              + p.target()
              + " was committed by publication "
              + p.publicationId()
              + " with "
              + p.newSize()
              + " bytes but holds "
              + now.size()
              + ": it was changed outside elspeth");
    }
    return Optional.of(true);
  }

  /**
   * Commits the blocks an interrupted publication staged, when the blob is still what the
   * publication found (its base: absent, or the same content) and every staged block is there;
   * false when the blob is still the base but the blocks are gone (Azure drops uncommitted blocks
   * after a week), so the publication is void. A blob that is neither the base nor the
   * publication's output was changed outside elspeth: refused.
   */
  @Override
  public boolean finishPublication(SinkPublication p, OperationCalls calls) throws IOException {
    BlockBlobClient blob = blobOf(p);
    String where = "'" + p.target() + "'";
    Base now = inspect(blob, nameOf(p), where, calls);
    String nowHash =
        now == null ? null : download(blob, nameOf(p), where, now, calls, false).sha256();
    if (!java.util.Objects.equals(nowHash, p.baseHash())) {
      throw new IOException(
          "the Landscape recorded that "
              + p.target()
              + " was being published"
              + " with SHA-256 "
              + p.newHash()
              + " (publication "
              + p.publicationId()
              + "), but the"
              + " blob is "
              + (now == null ? "absent" : "different (SHA-256 " + nowHash + ")")
              + ", neither that output nor what it replaced: it was changed outside elspeth."
              + " Restore the blob with that hash before resuming.");
    }
    List<String> staged = new ArrayList<>();
    long stagedBytes = 0;
    Boolean keepBase = null;
    BlockList blocks;
    Map<String, Object> request =
        BlobCallPayload.request("list_staged_blocks", auth, container, nameOf(p));
    long t0 = System.nanoTime();
    try {
      blocks = blob.listBlocks(BlockListType.UNCOMMITTED);
    } catch (RuntimeException e) {
      throw failed(calls, request, "list the staged blocks of " + where, e, t0);
    }
    calls.success(
        BlobCallPayload.CALL_TYPE,
        request,
        Map.of("uncommitted_blocks", blocks.getUncommittedBlocks().size()),
        BlobCallPayload.millisSince(t0));
    String prefix = p.publicationId() + "-";
    List<Block> ours = new ArrayList<>();
    for (Block b : blocks.getUncommittedBlocks()) {
      String id = decode(b.getName());
      if (id != null && id.startsWith(prefix)) {
        ours.add(b);
      }
    }
    ours.sort(java.util.Comparator.comparing(b -> decode(b.getName())));
    for (Block b : ours) {
      String id = Objects.requireNonNull(decode(b.getName()), "only blocks with our ids are kept");
      keepBase = id.charAt(prefix.length()) == 'a';
      staged.add(b.getName());
      stagedBytes += b.getSizeLong();
    }
    List<String> list = new ArrayList<>();
    long size = stagedBytes;
    boolean contentIsBase =
        p.newSize() == (now == null ? 0 : now.size())
            && p.newHash().equals(nowHash == null ? EMPTY_SHA256 : nowHash);
    if (Boolean.TRUE.equals(keepBase) || (staged.isEmpty() && contentIsBase && now != null)) {
      if (now == null || now.committedBytes() != now.size()) {
        return false;
      }
      list.addAll(now.committedIds());
      size += now.size();
    }
    list.addAll(staged);
    if (size != p.newSize() || (staged.isEmpty() && !contentIsBase)) {
      return false;
    }
    commit(blob, nameOf(p), where, list, now == null ? null : now.etag(), p.publicationId(), calls);
    return true;
  }

  private static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

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

  private BlockBlobClient blobOf(SinkPublication p) throws IOException {
    return blobContainer().getBlobClient(nameOf(p)).getBlockBlobClient();
  }

  /** Block ids: {@code <publication id>-<a|w>-<index>}; a keeps the base's blocks before them. */
  static String blockPrefix(String publicationId, boolean keepBase) {
    return publicationId + (keepBase ? "-a-" : "-w-");
  }

  private static @Nullable String decode(String blockId) {
    try {
      return new String(Base64.getDecoder().decode(blockId), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }

  /** Characters of a block id (base64 of {@code <32 hex>-a-<8 digits>}). */
  private static final int BLOCK_ID_CHARS =
      Base64.getEncoder()
          .encodeToString(
              blockPrefix("0".repeat(32), true)
                  .concat("00000000")
                  .getBytes(StandardCharsets.US_ASCII))
          .length();

  /**
   * A blob as it is: ETag, size, committed block ids and their total size, and the publication that
   * committed it.
   */
  record Base(
      String etag,
      long size,
      List<String> committedIds,
      long committedBytes,
      boolean idsOurs,
      @Nullable String publication) {
    /**
     * Whether new blocks can follow the committed ones: they are this sink's (block ids of a blob
     * all have one length) and make up all its content (a blob uploaded in one request has no
     * committed blocks).
     */
    boolean ownBlocks() {
      return idsOurs && committedBytes == size;
    }

    static @Nullable Base of(BlockBlobClient blob) {
      BlobProperties props;
      BlockList list;
      try {
        props = blob.getProperties();
        list = blob.listBlocks(BlockListType.COMMITTED);
      } catch (BlobStorageException e) {
        if (e.getStatusCode() == 404) {
          return null;
        }
        throw e;
      }
      List<String> ids = new ArrayList<>();
      long total = 0;
      boolean ours = true;
      for (Block b : list.getCommittedBlocks()) {
        ids.add(b.getName());
        total += b.getSizeLong();
        ours &= b.getName().length() == BLOCK_ID_CHARS;
      }
      Map<String, String> meta = props.getMetadata();
      return new Base(
          props.getETag(),
          props.getBlobSize(),
          List.copyOf(ids),
          total,
          ours,
          meta == null ? null : meta.get(PUBLICATION_KEY));
    }
  }

  /**
   * An output stream that stages a block each time {@code blockSize} bytes have been written and
   * hashes everything it stages; {@link #finish} stages the rest.
   */
  static final class BlockUpload extends OutputStream {
    private final BlockBlobClient blob;
    private final byte[] buffer;
    private final MessageDigest digest;
    private final String idPrefix;
    private final List<String> blockIds = new ArrayList<>();
    private int filled;
    private long bytes;

    BlockUpload(BlockBlobClient blob, int blockSize, String idPrefix, MessageDigest digest) {
      this.blob = blob;
      this.buffer = new byte[blockSize];
      this.idPrefix = idPrefix;
      this.digest = digest;
    }

    @Override
    public void write(int b) {
      if (filled == buffer.length) {
        stage();
      }
      buffer[filled++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      while (len > 0) {
        if (filled == buffer.length) {
          stage();
        }
        int n = Math.min(len, buffer.length - filled);
        System.arraycopy(b, off, buffer, filled, n);
        filled += n;
        off += n;
        len -= n;
      }
    }

    private void stage() {
      if (filled == 0) {
        return;
      }
      // Block ids must all have the same length within a blob: a fixed-width index.
      String id =
          Base64.getEncoder()
              .encodeToString(
                  String.format("%s%08d", idPrefix, blockIds.size())
                      .getBytes(StandardCharsets.US_ASCII));
      digest.update(ByteBuffer.wrap(buffer, 0, filled));
      blob.stageBlock(id, new ByteArrayInputStream(buffer, 0, filled), filled);
      blockIds.add(id);
      bytes += filled;
      filled = 0;
    }

    void finish() {
      stage();
    }
  }
}
