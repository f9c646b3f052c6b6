package io.elspeth.connectors.source;

import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.time.Instant;
import java.util.Map;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Reads one source file through the {@link SourceBoundary}. The whole read is one
 * {@code source_load} operation (local file I/O makes no call records); a read that fails leaves
 * that operation, failed, in the Landscape.
 */
final class SourceReadFn extends DoFn<FileIO.ReadableFile, Token> {
  private final StepContext ctx;
  private final SourceBoundary boundary;

  SourceReadFn(StepContext ctx, SourceBoundary boundary) {
    this.ctx = ctx;
    this.boundary = boundary;
  }

  @ProcessElement
  public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out)
      throws IOException {
    Instant started = Instant.now();
    String operationId = Ids.operationId();
    Map<String, Object> input = Map.of("path", file.getMetadata().resourceId().toString());
    SourceBoundary.Counts counts;
    try (InputStream in = Channels.newInputStream(file.open())) {
      counts = boundary.read(in, 0, out);
    } catch (IOException | RuntimeException e) {
      OperationAudit.commitFailure(ctx, OperationAudit.finished(ctx, operationId, "source_load",
          started, input, null, String.valueOf(e.getMessage())),
          new OperationCalls(ctx.runId(), operationId), e);
      throw e;
    }
    out.get(StepTags.AUDIT).output(OperationAudit.finished(ctx, operationId, "source_load",
        started, input, counts.asOutput(), null));
  }
}
