package io.elspeth.connectors.blob;

import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.connectors.operation.OperationCalls;
import java.io.IOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The blob sink's answers to a resume's publication repair, for one publication on its blob:
 * whether it committed, and committing the blocks it staged before it was interrupted.
 */
final class BlobPublicationRepair {
  private static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  private final AuditedBlobRequests requests;
  private final SinkPublication p;
  private final BlockBlobClient blob;
  private final String blobName;
  private final String where;

  BlobPublicationRepair(
      AuditedBlobRequests requests, SinkPublication p, BlockBlobClient blob, String blobName) {
    this.requests = requests;
    this.p = p;
    this.blob = blob;
    this.blobName = blobName;
    this.where = "'" + p.target() + "'";
  }

  /**
   * Whether the publication committed: the blob carries its id in the metadata (set by the same
   * request that commits the blocks). Every commit replaces the metadata, so a later commit hides
   * an earlier one: a repair asks about a blob's publications oldest first, each repaired before
   * the next run writes. A blob carrying the id with another size than the publication's was
   * changed outside elspeth: refused.
   */
  Optional<Boolean> published(OperationCalls calls) throws IOException {
    CommittedBlob now = requests.inspect(blob, blobName, where, calls);
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
   * Commits the blocks the interrupted publication staged, when the blob is still what the
   * publication found (its base: absent, or the same content) and every staged block is there;
   * false when the blob is still the base but the blocks are gone (Azure drops uncommitted blocks
   * after a week), so the publication is void. A blob that is neither the base nor the
   * publication's output was changed outside elspeth: refused.
   */
  boolean finish(OperationCalls calls, Charset charset) throws IOException {
    CommittedBlob now = requests.inspect(blob, blobName, where, calls);
    String nowHash =
        now == null
            ? null
            : requests.download(blob, blobName, where, now, calls, false, charset).sha256();
    if (!Objects.equals(nowHash, p.baseHash())) {
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
    BlockList blocks = requests.stagedBlocks(blob, blobName, where, calls);
    String prefix = p.publicationId() + "-";
    List<Block> ours = new ArrayList<>();
    for (Block b : blocks.getUncommittedBlocks()) {
      String id = BlockUpload.decode(b.getName());
      if (id != null && id.startsWith(prefix)) {
        ours.add(b);
      }
    }
    ours.sort(Comparator.comparing(b -> BlockUpload.decode(b.getName())));
    for (Block b : ours) {
      String id =
          Objects.requireNonNull(
              BlockUpload.decode(b.getName()), "only blocks with our ids are kept");
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
    requests.commit(
        blob, blobName, where, list, now == null ? null : now.etag(), p.publicationId(), calls);
    return true;
  }
}
