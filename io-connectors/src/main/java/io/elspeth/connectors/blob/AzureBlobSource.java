package io.elspeth.connectors.blob;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.connectors.schema.RowValidator;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.source.RecordReader;
import io.elspeth.connectors.source.SourceBoundary;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An Azure Blob Storage source as a step: one blob, or every blob matching a glob, downloaded as
 * a stream and parsed like the file sources (CSV, JSON, JSONL), each record validated at the
 * boundary. Many blobs are spread over workers and read in parallel with disjoint row-index
 * ranges. Outputs the step's main (valid rows), routed (quarantined rows) and audit records; every
 * listing and download is an {@code http} call under a {@code source_load} operation.
 *
 * <pre>{@code AzureBlobSource.read().withAuth(auth).withContainer("in").withBlobPath("data/*.csv")
 *     .withReader(reader).withSchema(schema).withContext(ctx).withOnValidationFailure("quarantine")}</pre>
 */
public final class AzureBlobSource extends PTransform<PBegin, PCollectionTuple> {
  /** Blocks the SDK downloads at a time: memory per blob being read. */
  public static final int DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;

  private final @Nullable AzureAuth auth;
  private final @Nullable String container;
  private final @Nullable String blobPath;
  private final @Nullable RecordReader reader;
  private final SchemaSpec schema;
  private final @Nullable StepContext context;
  private final String onValidationFailure;
  private final int blockSize;

  private AzureBlobSource(@Nullable AzureAuth auth, @Nullable String container,
      @Nullable String blobPath, @Nullable RecordReader reader, SchemaSpec schema,
      @Nullable StepContext context, String onValidationFailure, int blockSize) {
    this.auth = auth;
    this.container = container;
    this.blobPath = blobPath;
    this.reader = reader;
    this.schema = schema;
    this.context = context;
    this.onValidationFailure = onValidationFailure;
    this.blockSize = blockSize;
  }

  public static AzureBlobSource read() {
    return new AzureBlobSource(null, null, null, null, SchemaSpec.dynamic(), null,
        StepContext.DISCARD, DEFAULT_BLOCK_SIZE);
  }

  public AzureBlobSource withAuth(AzureAuth a) {
    return new AzureBlobSource(a, container, blobPath, reader, schema, context,
        onValidationFailure, blockSize);
  }

  public AzureBlobSource withContainer(String c) {
    return new AzureBlobSource(auth, c, blobPath, reader, schema, context, onValidationFailure,
        blockSize);
  }

  /** One blob's name, or a glob ({@code *}, {@code **}, {@code ?}) naming many. */
  public AzureBlobSource withBlobPath(String path) {
    return new AzureBlobSource(auth, container, path, reader, schema, context,
        onValidationFailure, blockSize);
  }

  public AzureBlobSource withReader(RecordReader r) {
    return new AzureBlobSource(auth, container, blobPath, r, schema, context, onValidationFailure,
        blockSize);
  }

  public AzureBlobSource withSchema(SchemaSpec spec) {
    return new AzureBlobSource(auth, container, blobPath, reader, spec, context,
        onValidationFailure, blockSize);
  }

  public AzureBlobSource withContext(StepContext ctx) {
    return new AzureBlobSource(auth, container, blobPath, reader, schema, ctx,
        onValidationFailure, blockSize);
  }

  /** {@code discard} or the name of the sink that receives quarantined rows. */
  public AzureBlobSource withOnValidationFailure(String destination) {
    return new AzureBlobSource(auth, container, blobPath, reader, schema, context, destination,
        blockSize);
  }

  /** Bytes fetched per download request (default 4 MiB). */
  public AzureBlobSource withBlockSize(int bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("withBlockSize() must be positive, got " + bytes);
    }
    return new AzureBlobSource(auth, container, blobPath, reader, schema, context,
        onValidationFailure, bytes);
  }

  @Override
  public PCollectionTuple expand(PBegin input) {
    if (auth == null) {
      throw new IllegalStateException("withAuth() is required");
    }
    if (container == null) {
      throw new IllegalStateException("withContainer() is required");
    }
    if (blobPath == null) {
      throw new IllegalStateException("withBlobPath() is required");
    }
    if (reader == null) {
      throw new IllegalStateException("withReader() is required");
    }
    if (context == null) {
      throw new IllegalStateException("withContext() is required");
    }
    PCollectionTuple listed = input
        .apply("BlobPath", Create.of(blobPath).withCoder(StringUtf8Coder.of()))
        .apply("ListBlobs", ParDo.of(new ListBlobsFn(context, auth, container))
            .withOutputTags(ListBlobsFn.BLOBS, TupleTagList.of(StepTags.AUDIT)));
    listed.get(StepTags.AUDIT).setCoder(AuditRecordCoder.of());
    SourceBoundary boundary = new SourceBoundary(context, reader,
        new RowValidator(schema, reader.textValues()), onValidationFailure);
    PCollectionTuple read = StepTags.withCoders(listed.get(ListBlobsFn.BLOBS)
        .setCoder(SerializableCoder.of(BlobRef.class))
        // Each blob to its own worker: a glob's blobs are read in parallel.
        .apply("SpreadBlobs", Reshuffle.viaRandomKey())
        .apply("DownloadAndValidate", ParDo.of(new BlobReadFn(context, auth, container, boundary,
            blockSize)).withOutputTags(StepTags.MAIN, StepTags.additional())));
    PCollection<AuditRecord> audit = PCollectionList.of(listed.get(StepTags.AUDIT))
        .and(read.get(StepTags.AUDIT))
        .apply("AllSourceAudit", Flatten.pCollections()).setCoder(AuditRecordCoder.of());
    return PCollectionTuple.of(StepTags.MAIN, read.get(StepTags.MAIN))
        .and(StepTags.ROUTED, read.get(StepTags.ROUTED))
        .and(StepTags.AUDIT, audit);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder.addIfNotNull(DisplayData.item("container", container))
        .addIfNotNull(DisplayData.item("blobPath", blobPath))
        .addIfNotNull(DisplayData.item("account", auth == null ? null : auth.account()))
        .add(DisplayData.item("schemaMode", schema.mode().configName()))
        .add(DisplayData.item("onValidationFailure", onValidationFailure));
  }
}
