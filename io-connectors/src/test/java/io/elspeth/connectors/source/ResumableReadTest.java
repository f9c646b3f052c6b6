package io.elspeth.connectors.source;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.elspeth.connectors.split.ReadPosition;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A read resumed at the position a cursor reported after any record yields exactly the records a
 * whole read yields from there (same rows, problems and locations): the property a checkpointed
 * source relies on.
 */
class ResumableReadTest {

  /** One record as compared: its row or raw data, problem and location. */
  private record Seen(Object data, Object problem, String location) {
    static Seen of(ParsedRecord r) {
      return new Seen(r.raw(), r.problem(), r.location());
    }
  }

  private record Step(Seen seen, ReadPosition after) {}

  private static List<Step> readAll(RecordReader reader, byte[] content, ReadPosition from)
      throws IOException {
    RecordReader.Input input =
        offset -> new ByteArrayInputStream(content, (int) offset, content.length - (int) offset);
    List<Step> steps = new ArrayList<>();
    try (RecordCursor cursor = reader.open(input, from)) {
      ParsedRecord r;
      while ((r = cursor.next()) != null) {
        steps.add(new Step(Seen.of(r), cursor.after(from)));
      }
    }
    return steps;
  }

  private static void assertResumesAfterEveryRecord(RecordReader reader, byte[] content)
      throws IOException {
    List<Step> whole = readAll(reader, content, ReadPosition.start(0));
    assertThat(whole.size(), greaterThan(2));
    for (int k = 0; k < whole.size(); k++) {
      ReadPosition at = whole.get(k).after();
      assertThat("position after record " + k + " is known", at.isKnown(), is(true));
      List<Seen> rest = readAll(reader, content, at).stream().map(Step::seen).toList();
      List<Seen> expected = whole.subList(k + 1, whole.size()).stream().map(Step::seen).toList();
      assertThat("records after record " + k, rest, equalTo(expected));
    }
  }

  private static byte[] bytes(String s, Charset charset) {
    return s.getBytes(charset);
  }

  @Test
  void csvResumesAtEveryRecordBoundaryWithQuotedNewlinesCrlfBlankLinesAndMultibyteText()
      throws IOException {
    String csv =
        "\uFEFFid,name,note\r\n"
            + "1,alice,\"line one\nline two\"\r\n"
            + "2,bjørk,\"say \"\"hi\"\"\r\nagain\"\r\n"
            + "\r\n"
            + "3,ça,plain\n"
            + "4,short\n"
            + "5,日本,\"a,b\"\r"
            + "6,last,\"\"";
    assertResumesAfterEveryRecord(
        new CsvRecordReader(',', "utf-8", 0, List.of(), false, Map.of()),
        bytes(csv, StandardCharsets.UTF_8));
  }

  @Test
  void csvWithSkippedRowsAndGivenColumnsResumesWithTheSameLocations() throws IOException {
    String csv = "# export of 2024\n# second comment\n1;a\n2;b\n3;\"c\nd\"\n4;e\n";
    assertResumesAfterEveryRecord(
        new CsvRecordReader(';', "utf-8", 2, List.of("id", "v"), false, Map.of()),
        bytes(csv, StandardCharsets.UTF_8));
  }

  @Test
  void csvInASingleByteCharsetResumes() throws IOException {
    String csv = "id,name\n1,café\n2,naïve\n3,\"x\ny\"\n";
    assertResumesAfterEveryRecord(
        new CsvRecordReader(',', "iso-8859-1", 0, List.of(), false, Map.of()),
        bytes(csv, StandardCharsets.ISO_8859_1));
  }

  @Test
  void csvWithMalformedUtf8ResumesWithTheBadRecordQuarantinedAsAWholeReadHasIt()
      throws IOException {
    byte[] head = "id,name\n1,a".getBytes(StandardCharsets.UTF_8);
    byte[] tail = "b\n2,c\n3,d\n".getBytes(StandardCharsets.UTF_8);
    byte[] content = Arrays.copyOf(head, head.length + 1 + tail.length);
    content[head.length] = (byte) 0xC3; // a lead byte without its continuation
    System.arraycopy(tail, 0, content, head.length + 1, tail.length);
    assertResumesAfterEveryRecord(
        new CsvRecordReader(',', "utf-8", 0, List.of(), false, Map.of()), content);
  }

  @Test
  void csvWithBrokenQuotesResumesAtEveryRecordBoundaryOfTheRecoveredRead() throws IOException {
    // A stray quote that closes two lines later, text after a quote, and a quote left open to
    // the end: each costs its first line, and a read resumed after any record agrees.
    String csv = "id,name\n1,\"a\n2,\"b\"\n3,c\n4,\"d\"x\n5,\"e\nf\"\n6,\"open\n7,g\n8,h";
    assertResumesAfterEveryRecord(
        new CsvRecordReader(',', "utf-8", 0, List.of(), false, Map.of()),
        bytes(csv, StandardCharsets.UTF_8));
  }

  @Test
  void csvWithRecordsOverTheLimitsResumesAtEveryRecordBoundary() throws IOException {
    String csv =
        "id,name\n1,"
            + "x".repeat(40)
            + "\n2,\""
            + "y".repeat(40)
            + "\nz\"\n3,\"open"
            + "w".repeat(40)
            + "\n4,d\n5,e\n";
    assertResumesAfterEveryRecord(
        new CsvRecordReader(',', "utf-8", 0, List.of(), false, Map.of())
            .withLimits(new SourceLimits(30, 30)),
        bytes(csv, StandardCharsets.UTF_8));
  }

  @Test
  void jsonLinesResumeAtEveryLineWithTheSameLineNumbers() throws IOException {
    String jsonl = "{\"id\": 1}\n\n{\"id\": \"ü\"}\r\nnot json\n[1, 2]\n{\"id\": 4}";
    assertResumesAfterEveryRecord(
        new JsonRecordReader(JsonRecordReader.Format.JSONL, null, "utf-8"),
        bytes(jsonl, StandardCharsets.UTF_8));
  }

  @Test
  void aJsonArrayIsReadWholeWithoutResumablePositions() throws IOException {
    List<Step> whole =
        readAll(
            new JsonRecordReader(JsonRecordReader.Format.JSON, null, "utf-8"),
            bytes("[{\"id\": 1}, {\"id\": 2}]", StandardCharsets.UTF_8),
            ReadPosition.start(0));
    assertThat(whole, hasSize(2));
    assertThat(whole.get(0).after().isKnown(), is(false));
  }

  @Test
  void utf16TextIsReadWholeWithoutResumablePositions() throws IOException {
    List<Step> whole =
        readAll(
            new CsvRecordReader(',', "utf-16", 0, List.of(), false, Map.of()),
            bytes("id\n1\n2\n", StandardCharsets.UTF_16),
            ReadPosition.start(0));
    assertThat(whole, hasSize(2));
    assertThat(whole.get(0).after().isKnown(), is(false));
  }
}
