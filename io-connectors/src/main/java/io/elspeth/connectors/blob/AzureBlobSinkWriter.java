package io.elspeth.connectors.blob;

import com.azure.core.http.rest.Response;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.sink.CsvSinkWriter;
import io.elspeth.connectors.sink.JsonSinkWriter;
import io.elspeth.connectors.sink.SinkWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
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

/**
 * Serialises a sink's rows (CSV, JSON array or JSONL, as the file sinks write them) and uploads
 * them as one block blob: the bytes are staged in blocks of {@code blockSize} while they are
 * produced, and the block list is committed once at the end, so the blob appears whole or not at
 * all. Without {@code overwrite} the commit is conditional on the blob not existing. The upload is
 * one {@code http} call (provider {@code azure_blob_storage}) under the sink_write operation; the
 * artifact is the blob's URL (no SAS) with the SHA-256 and size of the uploaded bytes.
 */
public final class AzureBlobSinkWriter implements SinkWriter {
  /** Output formats. */
  public enum Format { CSV, JSON, JSONL }

  /** Bytes per staged block (default 4 MiB): memory used by an upload beyond the rows. */
  public static final int DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;

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

  public AzureBlobSinkWriter(AzureAuth auth, String container, String blobPath, Format format,
      boolean overwrite, char delimiter, String encoding, boolean includeHeader, SchemaSpec schema,
      int blockSize) {
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
  }

  @Override
  public String target() {
    return auth.account() + "/" + container + "/" + blobPath;
  }

  @Override
  public Artifact write(Iterable<Map<String, Object>> rows, OperationCalls calls)
      throws IOException {
    String blobName = BlobPathTemplate.render(blobPath, calls.runId(), Instant.now());
    String where = "'" + container + "/" + blobName + "'";
    Map<String, Object> request = BlobCallPayload.request("upload", auth, container, blobName);
    request.put("format", format.name().toLowerCase());
    request.put("overwrite", overwrite);
    long rowCount = 0;
    for (Map<String, Object> ignored : rows) {
      rowCount++;
    }
    request.put("row_count", rowCount);
    long t0 = System.nanoTime();
    BlockUpload upload;
    try {
      BlobContainerClient client = auth.serviceClient().getBlobContainerClient(container);
      upload = new BlockUpload(client.getBlobClient(blobName).getBlockBlobClient(), blockSize);
      serialise(rows, upload);
      upload.commit(overwrite);
    } catch (IOException | RuntimeException e) {
      BlobFailure failure = BlobFailure.of("upload " + where, e);
      calls.error(BlobCallPayload.CALL_TYPE, request, failure.asError(),
          BlobCallPayload.millisSince(t0));
      // The SDK's exception is not chained: its text may quote request URLs.
      throw new IOException(failure.message());
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("status_code", 201);
    response.put("bytes", upload.bytes);
    response.put("blocks", upload.blockIds.size());
    response.put("content_hash", upload.sha256());
    response.put("etag", upload.etag);
    calls.success(BlobCallPayload.CALL_TYPE, request, response, BlobCallPayload.millisSince(t0));
    return new Artifact("file", auth.account() + "/" + container + "/" + blobName,
        upload.sha256(), upload.bytes);
  }

  /** What the file sinks refuse in the same format (a blob has no header to append to). */
  @Override
  public java.util.Optional<String> cannotWrite(Map<String, Object> row) {
    Charset charset = Charset.forName(encoding);
    return format == Format.CSV ? CsvSinkWriter.unwritable(row, charset, List.of())
        : JsonSinkWriter.unwritable(row, charset);
  }

  private void serialise(Iterable<Map<String, Object>> rows, OutputStream out) throws IOException {
    Charset charset = Charset.forName(encoding);
    switch (format) {
      case CSV -> CsvSinkWriter.print(out, charset, delimiter, CsvSinkWriter.fieldsOf(schema, rows),
          Map.of(), includeHeader, rows);
      case JSON -> JsonSinkWriter.print(out, charset, JsonSinkWriter.Format.JSON, 0, rows);
      case JSONL -> JsonSinkWriter.print(out, charset, JsonSinkWriter.Format.JSONL, 0, rows);
    }
    out.flush();
  }

  /**
   * An output stream that stages a block each time {@code blockSize} bytes have been written and
   * hashes everything it stages; {@link #commit} stages the rest and commits the block list.
   */
  static final class BlockUpload extends OutputStream {
    private final BlockBlobClient blob;
    private final byte[] buffer;
    private final MessageDigest digest;
    private final List<String> blockIds = new ArrayList<>();
    private int filled;
    private long bytes;
    private String etag;
    private String sha256;

    BlockUpload(BlockBlobClient blob, int blockSize) {
      this.blob = blob;
      this.buffer = new byte[blockSize];
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is required by the Java platform", e);
      }
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
      // Block ids must all have the same length within a blob.
      String id = Base64.getEncoder().encodeToString(
          String.format("block-%08d", blockIds.size()).getBytes(StandardCharsets.US_ASCII));
      digest.update(ByteBuffer.wrap(buffer, 0, filled));
      blob.stageBlock(id, new ByteArrayInputStream(buffer, 0, filled), filled);
      blockIds.add(id);
      bytes += filled;
      filled = 0;
    }

    void commit(boolean overwrite) {
      stage();
      BlockBlobCommitBlockListOptions options = new BlockBlobCommitBlockListOptions(blockIds);
      if (!overwrite) {
        options.setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*"));
      }
      Response<BlockBlobItem> response = blob.commitBlockListWithResponse(options, null,
          Context.NONE);
      etag = response.getValue().getETag();
      sha256 = HexFormat.of().formatHex(digest.digest());
    }

    String sha256() {
      return sha256;
    }
  }
}
