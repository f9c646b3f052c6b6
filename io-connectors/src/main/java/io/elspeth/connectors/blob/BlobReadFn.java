package io.elspeth.connectors.blob;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.specialized.BlobInputStream;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.source.SourceBoundary;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Downloads one blob as a stream (the SDK fetches it in blocks of {@code blockSize} bytes, so a
 * blob is never held whole) and parses it through the {@link SourceBoundary} as it arrives. The
 * read is one {@code source_load} operation with one {@code http} call (provider {@code
 * azure_blob_storage}), recorded whether the download succeeds or fails. A failed read commits that
 * trail itself and then fails the step with a message naming the blob and the cause.
 */
final class BlobReadFn extends DoFn<BlobRef, Token> {
  private final StepContext ctx;
  private final AzureAuth auth;
  private final String container;
  private final SourceBoundary boundary;
  private final int blockSize;
  private final Counter bytesRead = Metrics.counter(BlobReadFn.class, "bytes_downloaded");
  private transient BlobContainerClient client;

  BlobReadFn(
      StepContext ctx, AzureAuth auth, String container, SourceBoundary boundary, int blockSize) {
    this.ctx = ctx;
    this.auth = auth;
    this.container = container;
    this.boundary = boundary;
    this.blockSize = blockSize;
  }

  @Setup
  public void setup() {
    client = auth.serviceClient().getBlobContainerClient(container);
  }

  @ProcessElement
  public void process(@Element BlobRef blob, MultiOutputReceiver out) throws IOException {
    Instant started = Instant.now();
    String operationId = Ids.operationId();
    OperationCalls calls = new OperationCalls(ctx.runId(), operationId);
    io.elspeth.connectors.lineage.DatasetName.azureBlob(auth.account(), container, blob.name())
        .reportRead();
    Map<String, Object> request = BlobCallPayload.request("download", auth, container, blob.name());
    if (blob.etag() != null) {
      request.put("if_match", blob.etag());
    }
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("container", container);
    input.put("blob_path", blob.name());
    String where = "'" + container + "/" + blob.name() + "'";
    long t0 = System.nanoTime();
    CountingStream counted = null;
    SourceBoundary.Counts counts;
    String etag;
    try {
      BlobInputStreamOptions options = new BlobInputStreamOptions().setBlockSize(blockSize);
      if (blob.etag() != null) {
        options.setRequestConditions(new BlobRequestConditions().setIfMatch(blob.etag()));
      }
      try (BlobInputStream raw = client.getBlobClient(blob.name()).openInputStream(options)) {
        etag = raw.getProperties().getETag();
        counted = new CountingStream(raw);
        counts = boundary.read(counted, blob.firstIndex(), out);
      }
    } catch (IOException | RuntimeException e) {
      double ms = BlobCallPayload.millisSince(t0);
      String message;
      if (counted == null || counted.failure != null) {
        // The download itself failed: before the first byte, or part-way through the stream.
        BlobFailure failure =
            BlobFailure.of(
                "download " + where,
                counted == null || counted.failure == null ? e : counted.failure);
        calls.error(BlobCallPayload.CALL_TYPE, request, failure.asError(), ms);
        message = "azure_blob source: " + failure.message();
      } else {
        calls.success(BlobCallPayload.CALL_TYPE, request, response(counted.bytes, null), ms);
        message =
            "azure_blob source: cannot parse "
                + where
                + ": "
                + BlobFailure.scrub(String.valueOf(e.getMessage()));
      }
      // The SDK's exception is not chained: its text may quote request URLs.
      IOException failure = new IOException(message);
      OperationAudit.commitFailure(
          ctx,
          OperationAudit.finished(ctx, operationId, "source_load", started, input, null, message),
          calls,
          failure);
      throw failure;
    }
    bytesRead.inc(counted.bytes);
    calls.success(
        BlobCallPayload.CALL_TYPE,
        request,
        response(counted.bytes, etag),
        BlobCallPayload.millisSince(t0));
    DoFn.OutputReceiver<AuditRecord> audit = out.get(StepTags.AUDIT);
    Map<String, Object> output = counts.asOutput();
    output.put("bytes", counted.bytes);
    audit.output(
        OperationAudit.finished(ctx, operationId, "source_load", started, input, output, null));
    calls.calls().forEach(audit::output);
  }

  private static Map<String, Object> response(long bytes, @Nullable String etag) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("status_code", 200);
    r.put("bytes", bytes);
    if (etag != null) {
      r.put("etag", etag);
    }
    return r;
  }

  /** Counts the bytes downloaded and remembers a failure of the download stream itself. */
  static final class CountingStream extends FilterInputStream {
    long bytes;
    @Nullable Exception failure;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        int b = super.read();
        if (b >= 0) {
          bytes++;
        }
        return b;
      } catch (IOException | RuntimeException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      try {
        int n = super.read(buf, off, len);
        if (n > 0) {
          bytes += n;
        }
        return n;
      } catch (IOException | RuntimeException e) {
        failure = e;
        throw e;
      }
    }
  }
}
