package io.elspeth.connectors.source;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.elspeth.connectors.schema.InferredFields;
import io.elspeth.connectors.schema.RowValidator;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.split.ReadPosition;
import io.elspeth.plugin.ElspethPipelineOptions;
import io.elspeth.plugin.StepContext;
import io.elspeth.plugin.StepTags;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A file source (CSV, JSON, JSONL) as a step: matches the path with Beam's {@link FileIO}, reads
 * each file in order, validates every record against the schema at the boundary, and outputs valid
 * rows as tokens (main), invalid rows routed to the quarantine sink (routed), and their audit
 * records.
 *
 * <pre>{@code FileSource.read().from(path).withReader(reader).withSchema(schema)
 *     .withContext(ctx).withOnValidationFailure("quarantine")}</pre>
 */
public final class FileSource extends PTransform<PBegin, PCollectionTuple> {
  private final @Nullable String path;
  private final @Nullable RecordReader reader;
  private final SchemaSpec schema;
  private final @Nullable StepContext context;
  private final String onValidationFailure;
  private final long minRecordsPerPart;

  private FileSource(
      @Nullable String path,
      @Nullable RecordReader reader,
      SchemaSpec schema,
      @Nullable StepContext context,
      String onValidationFailure,
      long minRecordsPerPart) {
    this.path = path;
    this.reader = reader;
    this.schema = schema;
    this.context = context;
    this.onValidationFailure = onValidationFailure;
    this.minRecordsPerPart = minRecordsPerPart;
  }

  public static FileSource read() {
    return new FileSource(
        null,
        null,
        SchemaSpec.dynamic(),
        null,
        StepContext.DISCARD,
        SourceReadFn.MIN_RECORDS_PER_PART);
  }

  public FileSource from(String filePath) {
    checkArgument(
        filePath != null && !filePath.isBlank(), "from() needs a path, got '%s'", filePath);
    return new FileSource(
        filePath, reader, schema, context, onValidationFailure, minRecordsPerPart);
  }

  public FileSource withReader(RecordReader recordReader) {
    checkArgument(recordReader != null, "withReader() needs a RecordReader, got null");
    return new FileSource(
        path, recordReader, schema, context, onValidationFailure, minRecordsPerPart);
  }

  public FileSource withSchema(SchemaSpec spec) {
    checkArgument(spec != null, "withSchema() needs a SchemaSpec, got null");
    return new FileSource(path, reader, spec, context, onValidationFailure, minRecordsPerPart);
  }

  public FileSource withContext(StepContext ctx) {
    checkArgument(ctx != null, "withContext() needs a context, got null");
    return new FileSource(path, reader, schema, ctx, onValidationFailure, minRecordsPerPart);
  }

  /** {@code discard} or the name of the sink that receives quarantined rows. */
  public FileSource withOnValidationFailure(String destination) {
    checkArgument(
        destination != null && !destination.isBlank(),
        "withOnValidationFailure() needs 'discard' or a sink name, got '%s'",
        destination);
    return new FileSource(path, reader, schema, context, destination, minRecordsPerPart);
  }

  /** Parts of the read are at least this many records (tests make small parts). */
  FileSource withMinRecordsPerPart(long records) {
    checkArgument(records > 0, "withMinRecordsPerPart() must be positive, got %s", records);
    return new FileSource(path, reader, schema, context, onValidationFailure, records);
  }

  /**
   * What ELSPETH infers from the first valid row of the file at {@code path} (of the first file, in
   * name order, that a pattern matches), read with {@code reader} and checked against {@code
   * schema} as the run reads it, and the source's renamed fields; {@link InferredFields#none} when
   * nothing matches. Reads only up to that row (to the end when no row is valid).
   */
  public static InferredFields inferredFields(String path, RecordReader reader, SchemaSpec schema)
      throws IOException {
    List<MatchResult.Metadata> files =
        new ArrayList<>(FileSystems.match(path, EmptyMatchTreatment.ALLOW).metadata());
    files.sort(Comparator.comparing(m -> m.resourceId().toString()));
    if (files.isEmpty()) {
      return InferredFields.none();
    }
    ResourceId file = files.get(0).resourceId();
    // As FileIO.readMatches reads it: decompressed by the file name's extension.
    Compression compression = Compression.detect(file.getFilename());
    RecordReader.Input opener =
        offset -> {
          InputStream in =
              Channels.newInputStream(compression.readDecompressed(FileSystems.open(file)));
          in.skipNBytes(offset);
          return in;
        };
    RowValidator validator = new RowValidator(schema, reader.textValues());
    try (RecordCursor cursor = reader.open(opener, ReadPosition.start(0))) {
      ParsedRecord rec;
      while ((rec = cursor.next()) != null) {
        Map<String, Object> row = SourceBoundary.validRow(rec, validator);
        if (row != null) {
          return InferredFields.of(schema, row, cursor.resolution());
        }
      }
      return InferredFields.of(schema, null, cursor.resolution());
    }
  }

  @Override
  public PCollectionTuple expand(PBegin input) {
    if (path == null) {
      throw new IllegalStateException("from() is required");
    }
    if (reader == null) {
      throw new IllegalStateException("withReader() is required");
    }
    if (context == null) {
      throw new IllegalStateException("withContext() is required");
    }
    // ELSPETH locks a flexible or observed source's contract on its first valid row: every later
    // row is held to the types of the fields inferred from it.
    InferredFields inferred;
    try {
      inferred = inferredFields(path, reader, schema);
    } catch (IOException | RuntimeException e) {
      // The read itself fails on it and records the failed source_load operation.
      inferred = InferredFields.none();
    }
    SourceReadFn fn =
        new SourceReadFn(
            context,
            new SourceBoundary(
                context,
                reader,
                new RowValidator(schema, reader.textValues()),
                onValidationFailure,
                inferred),
            minRecordsPerPart,
            ElspethPipelineOptions.of(input.getPipeline().getOptions()).getPaceSourceToCommit());
    return StepTags.withCoders(
        input
            .apply(
                "Match",
                FileIO.match()
                    .filepattern(path)
                    .withEmptyMatchTreatment(EmptyMatchTreatment.DISALLOW))
            .apply("ReadMatches", FileIO.readMatches())
            .apply(
                "ParseAndValidate",
                ParDo.of(fn).withOutputTags(StepTags.MAIN, StepTags.additional())));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .addIfNotNull(DisplayData.item("path", path))
        .add(DisplayData.item("schemaMode", schema.mode().configName()))
        .add(DisplayData.item("onValidationFailure", onValidationFailure));
  }
}
