package io.elspeth.connectors.blob;

import com.azure.core.http.rest.Response;
import com.azure.core.util.Context;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.elspeth.connectors.operation.OperationCalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.Charset;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The Blob Storage request groups of the blob sink, each recorded as one {@code http} call
 * (provider {@code azure_blob_storage}) in the operation's calls: {@code inspect}, {@code
 * download}, {@code stage_blocks} (failures only: the upload's success is recorded by the writer),
 * {@code list_staged_blocks} and {@code commit_block_list}. A failed request is recorded and
 * becomes an {@link IOException} that does not chain the SDK's exception (its text may quote
 * request URLs).
 */
final class AuditedBlobRequests implements Serializable {
  private final AzureAuth auth;
  private final String container;

  AuditedBlobRequests(AzureAuth auth, String container) {
    this.auth = auth;
    this.container = container;
  }

  /** The payload of a request group on {@code blobName}, for its call record. */
  Map<String, Object> request(String action, String blobName) {
    return BlobCallPayload.request(action, auth, container, blobName);
  }

  /** Records a failed request group and returns the exception to throw for it. */
  IOException failed(
      OperationCalls calls, Map<String, Object> request, String action, Exception e, long t0) {
    BlobFailure failure = BlobFailure.of(action, e);
    calls.error(
        BlobCallPayload.CALL_TYPE, request, failure.asError(), BlobCallPayload.millisSince(t0));
    // The SDK's exception is not chained: its text may quote request URLs.
    return new IOException(failure.message());
  }

  /** The blob as it is: null when absent. */
  @Nullable CommittedBlob inspect(
      BlockBlobClient blob, String blobName, String where, OperationCalls calls)
      throws IOException {
    Map<String, Object> request = request("inspect", blobName);
    long t0 = System.nanoTime();
    CommittedBlob base;
    try {
      base = CommittedBlob.of(blob);
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
  record BaseContent(
      String sha256, MessageDigest afterBase, String firstLine, byte @Nullable [] bytes) {}

  /**
   * Reads the base (as of its ETag) to hash it; keeps its bytes when {@code keep} (a rewrite, or a
   * JSON array whose items are read back). The first line is decoded with {@code charset}.
   */
  BaseContent download(
      BlockBlobClient blob,
      String blobName,
      String where,
      CommittedBlob base,
      OperationCalls calls,
      boolean keep,
      Charset charset)
      throws IOException {
    Map<String, Object> request = request("download", blobName);
    request.put("if_match", base.etag());
    long t0 = System.nanoTime();
    MessageDigest digest = BlockUpload.sha256();
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
        hash, afterBase, firstLine.toString(charset), kept == null ? null : kept.toByteArray());
  }

  /** The blocks staged on the blob and not committed. */
  BlockList stagedBlocks(BlockBlobClient blob, String blobName, String where, OperationCalls calls)
      throws IOException {
    BlockList blocks;
    Map<String, Object> request = request("list_staged_blocks", blobName);
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
    return blocks;
  }

  /**
   * Commits {@code blockList} with the publication's id in the metadata, only if the blob is still
   * {@code etag} (null: still absent).
   */
  void commit(
      BlockBlobClient blob,
      String blobName,
      String where,
      List<String> blockList,
      @Nullable String etag,
      String publicationId,
      OperationCalls calls)
      throws IOException {
    Map<String, Object> request = request("commit_block_list", blobName);
    request.put("blocks", blockList.size());
    request.put("publication_id", publicationId);
    request.put("if_match", etag == null ? "absent" : etag);
    long t0 = System.nanoTime();
    BlockBlobCommitBlockListOptions options =
        new BlockBlobCommitBlockListOptions(blockList)
            .setMetadata(Map.of(AzureBlobSinkWriter.PUBLICATION_KEY, publicationId))
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
}
