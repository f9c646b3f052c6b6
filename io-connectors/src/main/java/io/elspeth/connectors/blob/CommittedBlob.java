package io.elspeth.connectors.blob;

import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.specialized.BlockBlobClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A blob as it is: ETag, size, committed block ids and their total size, and the publication that
 * committed it.
 */
record CommittedBlob(
    String etag,
    long size,
    List<String> committedIds,
    long committedBytes,
    boolean idsOurs,
    @Nullable String publication) {
  /**
   * Whether new blocks can follow the committed ones: they are this sink's (block ids of a blob all
   * have one length) and make up all its content (a blob uploaded in one request has no committed
   * blocks).
   */
  boolean ownBlocks() {
    return idsOurs && committedBytes == size;
  }

  /** The blob's state, read in two requests; null when it is absent. */
  static @Nullable CommittedBlob of(BlockBlobClient blob) {
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
      ours &= b.getName().length() == BlockUpload.BLOCK_ID_CHARS;
    }
    Map<String, String> meta = props.getMetadata();
    return new CommittedBlob(
        props.getETag(),
        props.getBlobSize(),
        List.copyOf(ids),
        total,
        ours,
        meta == null ? null : meta.get(AzureBlobSinkWriter.PUBLICATION_KEY));
  }
}
