package io.elspeth.connectors.blob;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Turns the configured blob path into the blobs to read. A plain path is one blob (no call: the
 * download itself will say if it is missing). A glob is listed once, as a {@code source_load}
 * operation with one {@code http} call; the matching blobs are read in name order, each blob's rows
 * numbered from the total listed size of the blobs before it. A record takes at least one byte, so
 * a blob never has more rows than bytes and the ranges cannot overlap: row indexes are unique
 * across blobs read in parallel, and ordered as if the blobs were read one after another.
 */
final class ListBlobsFn extends DoFn<String, BlobRef> {
  static final TupleTag<BlobRef> BLOBS = new TupleTag<>("blobs") {};

  private final StepContext ctx;
  private final AzureAuth auth;
  private final String container;
  private transient BlobContainerClient client;

  ListBlobsFn(StepContext ctx, AzureAuth auth, String container) {
    this.ctx = ctx;
    this.auth = auth;
    this.container = container;
  }

  @Setup
  public void setup() {
    client = auth.serviceClient().getBlobContainerClient(container);
  }

  @ProcessElement
  public void process(@Element String blobPath, MultiOutputReceiver out) throws IOException {
    BlobGlob glob = new BlobGlob(blobPath);
    if (!glob.isGlob()) {
      out.get(BLOBS).output(new BlobRef(blobPath, -1, null, 0));
      return;
    }
    Instant started = Instant.now();
    String operationId = Ids.operationId();
    OperationCalls calls = new OperationCalls(ctx.runId(), operationId);
    Map<String, Object> request = BlobCallPayload.request("list_blobs", auth, container, null);
    request.put("prefix", glob.prefix());
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("container", container);
    input.put("blob_path", blobPath);
    long t0 = System.nanoTime();
    List<BlobItem> matched = new ArrayList<>();
    int listed = 0;
    try {
      for (BlobItem item :
          client.listBlobs(new ListBlobsOptions().setPrefix(glob.prefix()), null)) {
        listed++;
        if (!Boolean.TRUE.equals(item.isPrefix()) && glob.matches(item.getName())) {
          matched.add(item);
        }
      }
    } catch (RuntimeException e) {
      BlobFailure failure =
          BlobFailure.of("list blobs '" + container + "/" + glob.prefix() + "*'", e);
      calls.error(
          BlobCallPayload.CALL_TYPE, request, failure.asError(), BlobCallPayload.millisSince(t0));
      throw fail(started, operationId, input, calls, failure.message());
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("blobs_listed", listed);
    response.put("blobs_matched", matched.size());
    calls.success(BlobCallPayload.CALL_TYPE, request, response, BlobCallPayload.millisSince(t0));
    if (matched.isEmpty()) {
      throw fail(
          started,
          operationId,
          input,
          calls,
          "no blob in container '" + container + "' matches '" + blobPath + "'");
    }
    matched.sort((a, b) -> a.getName().compareTo(b.getName()));
    long nextIndex = 0;
    List<String> names = new ArrayList<>();
    for (BlobItem item : matched) {
      long size = item.getProperties().getContentLength();
      out.get(BLOBS)
          .output(new BlobRef(item.getName(), size, item.getProperties().getETag(), nextIndex));
      names.add(item.getName());
      nextIndex += Math.max(size, 1);
    }
    DoFn.OutputReceiver<AuditRecord> audit = out.get(StepTags.AUDIT);
    audit.output(
        OperationAudit.finished(
            ctx, operationId, "source_load", started, input, Map.of("blobs", names), null));
    calls.calls().forEach(audit::output);
  }

  private IOException fail(
      Instant started,
      String operationId,
      Map<String, Object> input,
      OperationCalls calls,
      String message) {
    String full = "azure_blob source: " + message;
    IOException failure = new IOException(full);
    OperationAudit.commitFailure(
        ctx,
        OperationAudit.finished(ctx, operationId, "source_load", started, input, null, full),
        calls,
        failure);
    return failure;
  }
}
