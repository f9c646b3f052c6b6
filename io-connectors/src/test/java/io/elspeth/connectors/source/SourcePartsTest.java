package io.elspeth.connectors.source;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.connectors.schema.RowValidator;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.connectors.split.ReadPosition;
import io.elspeth.plugin.StepContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The first pass of a read in parts finds part starts at which the reader, resumed, yields exactly
 * what a whole read yields: for every part size, the parts read one after the other give the same
 * records (rows or raw data, problems, locations) with the same row indexes as one read, on inputs
 * built to put a hard record at a part boundary.
 */
class SourcePartsTest {

  /** One record as compared: the row index it takes (-1: none), its data, problem and location. */
  private record Seen(long index, Object data, Object problem, String location) {}

  private static RecordReader.Input input(byte[] content) {
    return offset -> new ByteArrayInputStream(content, (int) offset, content.length - (int) offset);
  }

  private static final Predicate<ParsedRecord> EVERY = r -> true;

  /** The records read from {@code from} up to the byte offset {@code end}, numbered as a read. */
  private static List<Seen> read(
      RecordReader reader,
      byte[] content,
      Predicate<ParsedRecord> takesIndex,
      ReadPosition from,
      long end)
      throws IOException {
    List<Seen> seen = new ArrayList<>();
    try (RecordCursor cursor = reader.open(input(content), from)) {
      ReadPosition position = from;
      ParsedRecord r;
      while ((r = cursor.next()) != null && (!position.isKnown() || position.offset() < end)) {
        boolean takes = takesIndex.test(r);
        seen.add(new Seen(takes ? position.index() : -1, r.raw(), r.problem(), r.location()));
        position = cursor.after(position).after(takes ? 0 : 2);
      }
    }
    return seen;
  }

  /** The parts' records, each part read from its start to the next part's. */
  private static List<Seen> readInParts(
      RecordReader reader,
      byte[] content,
      Predicate<ParsedRecord> takesIndex,
      List<ReadPosition> starts)
      throws IOException {
    List<Seen> seen = new ArrayList<>();
    for (int i = 0; i < starts.size(); i++) {
      long end = i + 1 < starts.size() ? starts.get(i + 1).offset() : Long.MAX_VALUE;
      seen.addAll(read(reader, content, takesIndex, starts.get(i), end));
    }
    return seen;
  }

  /**
   * For every number of records per part from 1 to the input's and for byte-sized parts, the parts
   * read as the whole; returns the part starts with one record per part.
   */
  private static List<ReadPosition> assertPartsReadAsWhole(
      RecordReader reader, byte[] content, Predicate<ParsedRecord> takesIndex) throws IOException {
    List<Seen> whole = read(reader, content, takesIndex, ReadPosition.start(0), Long.MAX_VALUE);
    assertThat(whole.size(), greaterThan(2));
    for (int n = 1; n <= whole.size(); n++) {
      List<ReadPosition> starts =
          SourceParts.starts(reader, input(content), takesIndex, n, Long.MAX_VALUE);
      assertThat("part starts of " + n + " records", starts.size(), is((whole.size() + n - 1) / n));
      assertThat(
          "records read in parts of " + n,
          readInParts(reader, content, takesIndex, starts),
          equalTo(whole));
    }
    for (long bytes = 1; bytes <= content.length; bytes += 7) {
      List<ReadPosition> starts =
          SourceParts.starts(reader, input(content), takesIndex, Long.MAX_VALUE, bytes);
      assertThat(
          "records read in parts of " + bytes + " bytes",
          readInParts(reader, content, takesIndex, starts),
          equalTo(whole));
    }
    return SourceParts.starts(reader, input(content), takesIndex, 1, Long.MAX_VALUE);
  }

  private static byte[] bytes(String s, Charset charset) {
    return s.getBytes(charset);
  }

  private static CsvRecordReader csv() {
    return new CsvRecordReader(',', "utf-8", 0, List.of(), false, Map.of());
  }

  @Test
  void quotedNewlinesAcrossEveryPartBoundaryWithBomCrlfAndMultibyteText() throws IOException {
    String text =
        "\uFEFFid,name,note\r\n"
            + "1,alice,\"line one\nline two\"\r\n"
            + "2,bjørk,\"say \"\"hi\"\"\r\nagain\"\r\n"
            + "\r\n"
            + "3,ça,plain\n"
            + "4,short\n"
            + "5,日本,\"a,b\"\r"
            + "6,last,\"\"";
    List<ReadPosition> starts =
        assertPartsReadAsWhole(csv(), bytes(text, StandardCharsets.UTF_8), EVERY);
    // The first part starts at the file's start (its byte order mark and header are read there);
    // the second after the header and the first record, with the index and line it takes.
    assertThat(starts.get(0), equalTo(ReadPosition.start(0)));
    assertThat(starts.get(1).index(), is(1L));
    assertThat(starts.get(1).records(), is(2L));
    assertThat(starts.get(1).lines(), is(3L));
  }

  @Test
  void malformedRecordsAtPartBoundariesBrokenQuotesRaggedRowsAndBadBytes() throws IOException {
    String broken = "id,name\n1,\"a\n2,\"b\"\n3,c\n4,\"d\"x\n5,\"e\nf\"\n6,x,y\n7,\"open\n8,g\n9,h";
    assertPartsReadAsWhole(csv(), bytes(broken, StandardCharsets.UTF_8), EVERY);

    byte[] head = "id,name\n1,a".getBytes(StandardCharsets.UTF_8);
    byte[] tail = "b\n2,c\n3,d\n".getBytes(StandardCharsets.UTF_8);
    byte[] content = Arrays.copyOf(head, head.length + 1 + tail.length);
    content[head.length] = (byte) 0xC3; // a lead byte without its continuation
    System.arraycopy(tail, 0, content, head.length + 1, tail.length);
    assertPartsReadAsWhole(csv(), content, EVERY);
  }

  @Test
  void recordsOverTheSizeLimitsStayWholeInOnePart() throws IOException {
    String text =
        "id,name\n1,"
            + "x".repeat(400)
            + "\n2,\""
            + "y".repeat(400)
            + "\nz\"\n3,\"open"
            + "w".repeat(400)
            + "\n4,d\n5,e\n";
    assertPartsReadAsWhole(
        csv().withLimits(new SourceLimits(30, 30)), bytes(text, StandardCharsets.UTF_8), EVERY);
  }

  @Test
  void singleByteCharsetsAndSkippedRowsWithGivenColumns() throws IOException {
    assertPartsReadAsWhole(
        new CsvRecordReader(',', "iso-8859-1", 0, List.of(), false, Map.of()),
        bytes("id,name\n1,café\n2,naïve\n3,\"x\ny\"\n", StandardCharsets.ISO_8859_1),
        EVERY);
    assertPartsReadAsWhole(
        new CsvRecordReader(';', "utf-8", 2, List.of("id", "v"), false, Map.of()),
        bytes("# export\n# comment\n1;a\n2;b\n3;\"c\nd\"\n4;e\n", StandardCharsets.UTF_8),
        EVERY);
  }

  @Test
  void jsonLinesWithBlankBadAndNonObjectLines() throws IOException {
    String jsonl = "{\"id\": 1}\n\n{\"id\": \"ü\"}\r\nnot json\n[1, 2]\n{\"id\": 4}\n{\"id\": 5}";
    assertPartsReadAsWhole(
        new JsonRecordReader(JsonRecordReader.Format.JSONL, null, "utf-8"),
        bytes(jsonl, StandardCharsets.UTF_8),
        EVERY);
  }

  @Test
  void discardedRecordsTakeNoIndexInThePassAsInTheRead() throws IOException {
    SchemaSpec schema =
        SchemaSpec.parse(
                new ObjectMapper()
                    .readTree("{\"mode\": \"strict\", \"fields\": [\"id: int\", \"name: str\"]}"))
            .spec();
    CsvRecordReader reader = csv();
    SourceBoundary discarding =
        new SourceBoundary(
            new StepContext("run", "node", "source", 0, Map.of(), StepContext.DISCARD),
            reader,
            new RowValidator(schema, true),
            StepContext.DISCARD);
    String text = "id,name\n1,a\nx,b\n3,c\n4\n5,e\n\"y\n\",f\n7,g\n";
    List<ReadPosition> starts =
        assertPartsReadAsWhole(reader, bytes(text, StandardCharsets.UTF_8), discarding::takesIndex);
    // Records: 1,a | x,b (discarded) | 3,c | 4 (ragged, discarded) | 5,e | "y\n",f (discarded)
    // | 7,g: the part after each starts at the index the next kept row takes.
    assertThat(
        starts.stream().map(ReadPosition::index).toList(), contains(0L, 1L, 1L, 2L, 2L, 3L, 3L));
  }

  @Test
  void inputsWithoutByteOffsetsAreOnePart() throws IOException {
    assertThat(
        SourceParts.starts(
            new JsonRecordReader(JsonRecordReader.Format.JSON, null, "utf-8"),
            input(bytes("[{\"id\": 1}, {\"id\": 2}, {\"id\": 3}]", StandardCharsets.UTF_8)),
            EVERY,
            1,
            Long.MAX_VALUE),
        contains(ReadPosition.start(0)));
    assertThat(
        SourceParts.starts(
            new CsvRecordReader(',', "utf-16", 0, List.of(), false, Map.of()),
            input(bytes("id\n1\n2\n3\n", StandardCharsets.UTF_16)),
            EVERY,
            1,
            Long.MAX_VALUE),
        contains(ReadPosition.start(0)));
  }

  @Test
  void aReadThatFailsLeavesTheFailureToThePartThatHoldsIt() throws IOException {
    // No header: the reader fails at the start; the read in one part meets the same failure.
    assertThat(
        SourceParts.starts(csv(), input(new byte[0]), EVERY, 1, Long.MAX_VALUE),
        contains(ReadPosition.start(0)));
    // Input failing at byte 9 (the fourth record): the parts found before the failure, the last
    // reaching over it, so that its read meets the failure.
    byte[] content = bytes("id\n1\n2\n3\n4\n5\n", StandardCharsets.UTF_8);
    RecordReader.Input failing =
        offset ->
            new ByteArrayInputStream(content, (int) offset, content.length - (int) offset) {
              @Override
              public synchronized int read(byte[] b, int off, int len) {
                if (pos >= 9) {
                  throw new java.io.UncheckedIOException(new IOException("disk gone"));
                }
                return super.read(b, off, Math.min(len, 1));
              }

              @Override
              public synchronized int read() {
                if (pos >= 9) {
                  throw new java.io.UncheckedIOException(new IOException("disk gone"));
                }
                return super.read();
              }
            };
    List<ReadPosition> intact = SourceParts.starts(csv(), input(content), EVERY, 1, Long.MAX_VALUE);
    List<ReadPosition> starts = SourceParts.starts(csv(), failing, EVERY, 1, Long.MAX_VALUE);
    assertThat(intact, hasSize(5));
    assertThat(starts, equalTo(intact.subList(0, starts.size())));
    assertThat(
        "no part starts past the failure", starts.stream().allMatch(p -> p.offset() < 9), is(true));
  }
}
