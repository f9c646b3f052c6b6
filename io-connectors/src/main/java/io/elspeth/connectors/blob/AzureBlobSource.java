package io.elspeth.connectors.blob;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
import io.elspeth.connectors.schema.RowValidator;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.source.RecordReader;
import io.elspeth.connectors.source.SourceBoundary;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.io.Serializable;
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
 * An Azure Blob Storage source as a step: one blob, or every blob matching a glob, downloaded as a
 * stream and parsed like the file sources (CSV, JSON, JSONL), each record validated at the
 * boundary. Many blobs are spread over workers and read in parallel with disjoint row-index ranges.
 * Outputs the step's main (valid rows), routed (quarantined rows) and audit records; every listing
 * and download is an {@code http} call under a {@code source_load} operation.
 *
 * <pre>{@code AzureBlobSource.read().withAuth(auth).withContainer("in").withBlobPath("data/*.csv")
 *     .withReader(reader).withSchema(schema).withContext(ctx).withOnValidationFailure("quarantine")}
 * </pre>
 */
public final class AzureBlobSource extends PTransform<PBegin, PCollectionTuple> {
  /** Blocks the SDK downloads at a time: memory per blob being read. */
  public static final int DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;

  /**
   * What an AzureBlobSource is configured with. Immutable: each {@code withX} returns a new
   * transform holding a copy with one change ({@link #toBuilder()}).
   */
  record Config(
      @Nullable AzureAuth auth,
      @Nullable String container,
      @Nullable String blobPath,
      @Nullable RecordReader reader,
      SchemaSpec schema,
      @Nullable StepContext context,
      String onValidationFailure,
      int blockSize)
      implements Serializable {
    Builder toBuilder() {
      return new Builder(this);
    }

    /** A copy of a {@link Config} being changed. */
    static final class Builder {
      private @Nullable AzureAuth auth;
      private @Nullable String container;
      private @Nullable String blobPath;
      private @Nullable RecordReader reader;
      private SchemaSpec schema;
      private @Nullable StepContext context;
      private String onValidationFailure;
      private int blockSize;

      private Builder(Config c) {
        auth = c.auth;
        container = c.container;
        blobPath = c.blobPath;
        reader = c.reader;
        schema = c.schema;
        context = c.context;
        onValidationFailure = c.onValidationFailure;
        blockSize = c.blockSize;
      }

      Builder auth(AzureAuth value) {
        auth = value;
        return this;
      }

      Builder container(String value) {
        container = value;
        return this;
      }

      Builder blobPath(String value) {
        blobPath = value;
        return this;
      }

      Builder reader(RecordReader value) {
        reader = value;
        return this;
      }

      Builder schema(SchemaSpec value) {
        schema = value;
        return this;
      }

      Builder context(StepContext value) {
        context = value;
        return this;
      }

      Builder onValidationFailure(String value) {
        onValidationFailure = value;
        return this;
      }

      Builder blockSize(int value) {
        blockSize = value;
        return this;
      }

      Config build() {
        return new Config(
            auth, container, blobPath, reader, schema, context, onValidationFailure, blockSize);
      }
    }
  }

  private final Config config;

  private AzureBlobSource(Config config) {
    this.config = config;
  }

  /**
   * A source with no blob yet: {@link #withAuth}, {@link #withContainer}, {@link #withBlobPath},
   * {@link #withReader} and {@link #withContext} are required; the schema is dynamic, rows failing
   * validation are discarded and blocks are {@value #DEFAULT_BLOCK_SIZE} bytes unless set.
   */
  public static AzureBlobSource read() {
    return new AzureBlobSource(
        new Config(
            null,
            null,
            null,
            null,
            SchemaSpec.dynamic(),
            null,
            StepContext.DISCARD,
            DEFAULT_BLOCK_SIZE));
  }

  /** How to authenticate to the storage account. */
  public AzureBlobSource withAuth(AzureAuth a) {
    checkArgument(a != null, "withAuth() needs an AzureAuth, got null");
    return new AzureBlobSource(config.toBuilder().auth(a).build());
  }

  /** The container the blobs are in. */
  public AzureBlobSource withContainer(String c) {
    checkArgument(c != null && !c.isBlank(), "withContainer() needs a container name, got '%s'", c);
    return new AzureBlobSource(config.toBuilder().container(c).build());
  }

  /** One blob's name, or a glob ({@code *}, {@code **}, {@code ?}) naming many. */
  public AzureBlobSource withBlobPath(String path) {
    checkArgument(
        path != null && !path.isBlank(),
        "withBlobPath() needs a blob name or glob," + " got '%s'",
        path);
    return new AzureBlobSource(config.toBuilder().blobPath(path).build());
  }

  /** How a blob's bytes become records (CSV, JSON, JSONL). */
  public AzureBlobSource withReader(RecordReader r) {
    checkArgument(r != null, "withReader() needs a RecordReader, got null");
    return new AzureBlobSource(config.toBuilder().reader(r).build());
  }

  /** The schema each record is validated against at the boundary. */
  public AzureBlobSource withSchema(SchemaSpec spec) {
    checkArgument(spec != null, "withSchema() needs a SchemaSpec, got null");
    return new AzureBlobSource(config.toBuilder().schema(spec).build());
  }

  /** The source step's context: its run, node and Landscape. */
  public AzureBlobSource withContext(StepContext ctx) {
    checkArgument(ctx != null, "withContext() needs a context, got null");
    return new AzureBlobSource(config.toBuilder().context(ctx).build());
  }

  /** {@code discard} or the name of the sink that receives quarantined rows. */
  public AzureBlobSource withOnValidationFailure(String destination) {
    checkArgument(
        destination != null && !destination.isBlank(),
        "withOnValidationFailure() needs 'discard' or a sink name, got '%s'",
        destination);
    return new AzureBlobSource(config.toBuilder().onValidationFailure(destination).build());
  }

  /** Bytes fetched per download request (default 4 MiB). */
  public AzureBlobSource withBlockSize(int bytes) {
    checkArgument(bytes >= 1, "withBlockSize() must be positive, got %s", bytes);
    return new AzureBlobSource(config.toBuilder().blockSize(bytes).build());
  }

  @Override
  public PCollectionTuple expand(PBegin input) {
    AzureAuth auth = config.auth();
    String container = config.container();
    String blobPath = config.blobPath();
    RecordReader reader = config.reader();
    StepContext context = config.context();
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
    PCollectionTuple listed =
        input
            .apply("BlobPath", Create.of(blobPath).withCoder(StringUtf8Coder.of()))
            .apply(
                "ListBlobs",
                ParDo.of(new ListBlobsFn(context, auth, container))
                    .withOutputTags(ListBlobsFn.BLOBS, TupleTagList.of(StepTags.AUDIT)));
    listed.get(StepTags.AUDIT).setCoder(AuditRecordCoder.of());
    SourceBoundary boundary =
        new SourceBoundary(
            context,
            reader,
            new RowValidator(config.schema(), reader.textValues()),
            config.onValidationFailure());
    PCollectionTuple read =
        StepTags.withCoders(
            listed
                .get(ListBlobsFn.BLOBS)
                .setCoder(SerializableCoder.of(BlobRef.class))
                // Each blob to its own worker: a glob's blobs are read in parallel.
                .apply("SpreadBlobs", Reshuffle.viaRandomKey())
                .apply(
                    "DownloadAndValidate",
                    ParDo.of(new BlobReadFn(context, auth, container, boundary, config.blockSize()))
                        .withOutputTags(StepTags.MAIN, StepTags.additional())));
    PCollection<AuditRecord> audit =
        PCollectionList.of(listed.get(StepTags.AUDIT))
            .and(read.get(StepTags.AUDIT))
            .apply("AllSourceAudit", Flatten.pCollections())
            .setCoder(AuditRecordCoder.of());
    return PCollectionTuple.of(StepTags.MAIN, read.get(StepTags.MAIN))
        .and(StepTags.ROUTED, read.get(StepTags.ROUTED))
        .and(StepTags.AUDIT, audit);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    AzureAuth auth = config.auth();
    builder
        .addIfNotNull(DisplayData.item("container", config.container()))
        .addIfNotNull(DisplayData.item("blobPath", config.blobPath()))
        .addIfNotNull(DisplayData.item("account", auth == null ? null : auth.account()))
        .add(DisplayData.item("schemaMode", config.schema().mode().configName()))
        .add(DisplayData.item("onValidationFailure", config.onValidationFailure()));
  }
}
