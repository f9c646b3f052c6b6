package io.elspeth.connectors.source;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.AuditRecordCoder;
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
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A file source (CSV, JSON, JSONL) as a step: matches the path with Beam's {@link FileIO}, reads
 * each file in order, validates every record against the schema at the boundary, and outputs valid
 * rows as tokens (main), invalid rows routed to the quarantine sink (routed), and their audit
 * records.
 *
 * <p>When the pipeline's {@code readSourceInParts} option says so (by default on a distributed
 * runner), a first pass over each file finds where its parts start ({@link SourceParts}) and the
 * parts are spread over the runner's tasks and read side by side, each numbering its rows from the
 * index the pass found, so rows, their ids and hashes are those of a read in one piece. The
 * DirectRunner reads each file in one part: its reads pace themselves to the Landscape commit in
 * the same JVM, which a second reader would not make faster, and the pass would be a second parse
 * of the file.
 *
 * <pre>{@code FileSource.read().from(path).withReader(reader).withSchema(schema)
 *     .withContext(ctx).withOnValidationFailure("quarantine")}</pre>
 */
public final class FileSource extends PTransform<PBegin, PCollectionTuple> {
  /**
   * A read in parts starts a part every this many records, or {@link #BYTES_PER_SPLIT} bytes. The
   * runner spreads parts over its tasks at random (Beam's splittable read keys each part by a
   * random key before it is read), so parts are many and small enough to even out: 25 parts for
   * 100,000 rows. A part is still worth its opening (a seek, a CSV header read again) many times.
   */
  static final long RECORDS_PER_SPLIT = 4_000;

  /** ... or every this many bytes. */
  static final long BYTES_PER_SPLIT = 16L << 20;

  private final @Nullable String path;
  private final @Nullable RecordReader reader;
  private final SchemaSpec schema;
  private final @Nullable StepContext context;
  private final String onValidationFailure;
  private final long minRecordsPerPart;
  private final long recordsPerSplit;
  private final InferredFields inferred;

  private FileSource(
      @Nullable String path,
      @Nullable RecordReader reader,
      SchemaSpec schema,
      @Nullable StepContext context,
      String onValidationFailure,
      long minRecordsPerPart,
      long recordsPerSplit,
      InferredFields inferred) {
    this.path = path;
    this.reader = reader;
    this.schema = schema;
    this.context = context;
    this.onValidationFailure = onValidationFailure;
    this.minRecordsPerPart = minRecordsPerPart;
    this.recordsPerSplit = recordsPerSplit;
    this.inferred = inferred;
  }

  public static FileSource read() {
    return new FileSource(
        null,
        null,
        SchemaSpec.dynamic(),
        null,
        StepContext.DISCARD,
        SourceReadFn.MIN_RECORDS_PER_PART,
        RECORDS_PER_SPLIT,
        InferredFields.none());
  }

  public FileSource from(String filePath) {
    checkArgument(
        filePath != null && !filePath.isBlank(), "from() needs a path, got '%s'", filePath);
    return new FileSource(
        filePath,
        reader,
        schema,
        context,
        onValidationFailure,
        minRecordsPerPart,
        recordsPerSplit,
        inferred);
  }

  public FileSource withReader(RecordReader recordReader) {
    checkArgument(recordReader != null, "withReader() needs a RecordReader, got null");
    return new FileSource(
        path,
        recordReader,
        schema,
        context,
        onValidationFailure,
        minRecordsPerPart,
        recordsPerSplit,
        inferred);
  }

  public FileSource withSchema(SchemaSpec spec) {
    checkArgument(spec != null, "withSchema() needs a SchemaSpec, got null");
    return new FileSource(
        path,
        reader,
        spec,
        context,
        onValidationFailure,
        minRecordsPerPart,
        recordsPerSplit,
        inferred);
  }

  public FileSource withContext(StepContext ctx) {
    checkArgument(ctx != null, "withContext() needs a context, got null");
    return new FileSource(
        path,
        reader,
        schema,
        ctx,
        onValidationFailure,
        minRecordsPerPart,
        recordsPerSplit,
        inferred);
  }

  /** {@code discard} or the name of the sink that receives quarantined rows. */
  public FileSource withOnValidationFailure(String destination) {
    checkArgument(
        destination != null && !destination.isBlank(),
        "withOnValidationFailure() needs 'discard' or a sink name, got '%s'",
        destination);
    return new FileSource(
        path, reader, schema, context, destination, minRecordsPerPart, recordsPerSplit, inferred);
  }

  /**
   * Holds every valid row to the field types inferred from the source's first valid row (ELSPETH's
   * locked contract of a current-format {@code flexible} or {@code observed} source); the run's
   * plan infers them once and records the same contract ({@link #inferredFields}).
   */
  public FileSource withInferredFields(InferredFields fields) {
    checkArgument(fields != null, "withInferredFields() needs the inferred fields, got null");
    return new FileSource(
        path,
        reader,
        schema,
        context,
        onValidationFailure,
        minRecordsPerPart,
        recordsPerSplit,
        fields);
  }

  /** Parts of the read are at least this many records (tests make small parts). */
  FileSource withMinRecordsPerPart(long records) {
    checkArgument(records > 0, "withMinRecordsPerPart() must be positive, got %s", records);
    return new FileSource(
        path, reader, schema, context, onValidationFailure, records, recordsPerSplit, inferred);
  }

  /** A read in parts starts a part every this many records (tests make many parts). */
  FileSource withRecordsPerSplit(long records) {
    checkArgument(records > 0, "withRecordsPerSplit() must be positive, got %s", records);
    return new FileSource(
        path, reader, schema, context, onValidationFailure, minRecordsPerPart, records, inferred);
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
    SourceBoundary boundary =
        new SourceBoundary(
            context,
            reader,
            new RowValidator(schema, reader.textValues()),
            onValidationFailure,
            inferred);
    ElspethPipelineOptions options = ElspethPipelineOptions.of(input.getPipeline().getOptions());
    PCollection<SourcePart> parts =
        input
            .apply(
                "Match",
                FileIO.match()
                    .filepattern(path)
                    .withEmptyMatchTreatment(EmptyMatchTreatment.DISALLOW))
            .apply("ReadMatches", FileIO.readMatches())
            .apply(
                "FindParts",
                ParDo.of(
                    new SourcePartsFn(
                        boundary,
                        recordsPerSplit,
                        BYTES_PER_SPLIT,
                        options.getReadSourceInParts())))
            .setCoder(SourcePart.PartCoder.of());
    PCollectionTuple read =
        parts.apply(
            "ParseAndValidate",
            ParDo.of(
                    new SourceReadFn(
                        context, boundary, minRecordsPerPart, options.getPaceSourceToCommit()))
                .withOutputTags(StepTags.MAIN, StepTags.additional().and(SourceReadFn.PARTS)));
    PCollection<AuditRecord> loads =
        read.get(SourceReadFn.PARTS)
            .setCoder(KvCoder.of(StringUtf8Coder.of(), PartCounts.PartCountsCoder.of()))
            .apply("GatherParts", GroupByKey.create())
            .apply("SourceLoad", ParDo.of(new SourceLoadFn(context)))
            .setCoder(AuditRecordCoder.of());
    PCollection<AuditRecord> audit =
        PCollectionList.of(read.get(StepTags.AUDIT).setCoder(AuditRecordCoder.of()))
            .and(loads)
            .apply("Audit", Flatten.pCollections());
    return StepTags.withCoders(
        PCollectionTuple.of(StepTags.MAIN, read.get(StepTags.MAIN))
            .and(StepTags.ROUTED, read.get(StepTags.ROUTED))
            .and(StepTags.AUDIT, audit));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder
        .addIfNotNull(DisplayData.item("path", path))
        .add(DisplayData.item("schemaMode", schema.mode().configName()))
        .add(DisplayData.item("onValidationFailure", onValidationFailure));
  }
}
