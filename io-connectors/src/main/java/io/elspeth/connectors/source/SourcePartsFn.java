package io.elspeth.connectors.source;

import io.elspeth.audit.token.Ids;
import io.elspeth.connectors.split.ReadPosition;
import io.elspeth.connectors.split.ReadRange;
import java.time.Instant;
import java.util.List;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Divides the read of each matched file into parts ({@link SourceParts}). The splittable read of
 * the parts spreads them over the runner's tasks: Beam expands it with a shuffle of its elements by
 * a random key before they are read (on Flink's batch mode, {@code SplittableParDoNaiveBounded}; on
 * the DirectRunner and Flink's streaming mode, a group by that key). The read's operation starts
 * here: every part carries its id and start time.
 *
 * <p>A file is read in one part when parts are not wanted (the DirectRunner: see {@link
 * FileSource}) or when a part could start only by reading the file again up to its offset (a
 * compressed file).
 */
final class SourcePartsFn extends DoFn<FileIO.ReadableFile, SourcePart> {
  private final SourceBoundary boundary;
  private final long recordsPerPart;
  private final long bytesPerPart;
  private final boolean inParts;

  SourcePartsFn(SourceBoundary boundary, long recordsPerPart, long bytesPerPart, boolean inParts) {
    this.boundary = boundary;
    this.recordsPerPart = recordsPerPart;
    this.bytesPerPart = bytesPerPart;
    this.inParts = inParts;
  }

  @ProcessElement
  public void process(@Element FileIO.ReadableFile file, OutputReceiver<SourcePart> out) {
    String operationId = Ids.operationId();
    Instant started = Instant.now();
    List<ReadPosition> starts =
        inParts && FileInput.seekable(file)
            ? SourceParts.starts(
                boundary.reader(),
                FileInput.of(file),
                boundary::takesIndex,
                recordsPerPart,
                bytesPerPart)
            : List.of(ReadPosition.start(0));
    for (int i = 0; i < starts.size(); i++) {
      long end = i + 1 < starts.size() ? starts.get(i + 1).offset() : Long.MAX_VALUE;
      out.output(
          new SourcePart(
              file, new ReadRange(starts.get(i), end, operationId, started), i, starts.size()));
    }
  }
}
