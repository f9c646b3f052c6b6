package io.elspeth.connectors.source;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.split.ReadPosition;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CSV input that is broken on purpose: nothing is altered, nothing is lost, the rest is read. */
class HostileCsvInputTest {

  private static CsvRecordReader reader() {
    return new CsvRecordReader(',', "utf-8", 0, List.of(), false, Map.of());
  }

  /** Reads through a reopenable input, as the file source does. */
  private static List<ParsedRecord> read(CsvRecordReader reader, byte[] content)
      throws IOException {
    RecordReader.Input input =
        offset -> new ByteArrayInputStream(content, (int) offset, content.length - (int) offset);
    List<ParsedRecord> records = new ArrayList<>();
    try (RecordCursor cursor = reader.open(input, ReadPosition.start(0))) {
      ParsedRecord r;
      while ((r = cursor.next()) != null) {
        records.add(r);
      }
    }
    return records;
  }

  private static List<ParsedRecord> read(CsvRecordReader reader, String content)
      throws IOException {
    return read(reader, content.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] concat(byte[]... parts) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p);
    }
    return out.toByteArray();
  }

  @Test
  void aRecordWithInvalidUtf8IsQuarantinedWithItsExactBytesAndTheOthersAreRead()
      throws IOException {
    byte[] content =
        concat(
            "id,name\n1,a\n2,b".getBytes(StandardCharsets.UTF_8),
            new byte[] {(byte) 0xFF, (byte) 0xFE},
            "b\n3,c\n".getBytes(StandardCharsets.UTF_8));

    List<ParsedRecord> records = read(reader(), content);

    assertThat(records, hasSize(3));
    ParsedRecord bad = records.get(1);
    assertThat(bad.isMalformed(), is(true));
    assertThat(bad.location(), is("line 3"));
    assertThat(bad.problem(), containsString("bytes not valid UTF-8: 0xFF at byte 15"));
    byte[] kept = Base64.getDecoder().decode((String) bad.raw().get("_raw_base64"));
    assertThat(
        kept,
        equalTo(
            concat(
                "2,b".getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xFF, (byte) 0xFE},
                "b".getBytes(StandardCharsets.UTF_8))));
    assertThat(bad.raw().get("_raw"), is("2,b\uFFFD\uFFFDb"));
    assertThat(records.get(2).row(), equalTo(Map.of("id", "3", "name", "c")));
  }

  @Test
  void anUnclosedQuoteCostsOnlyItsLineAndTheLinesAfterItAreRead() throws IOException {
    String csv = "id,name\n1,a\n2,b\n3,\"oops\n4,d\n5,e\n6,f\n";

    List<ParsedRecord> records = read(reader(), csv);

    assertThat(records, hasSize(6));
    ParsedRecord bad = records.get(2);
    assertThat(bad.isMalformed(), is(true));
    assertThat(bad.raw(), equalTo(Map.of("_raw", "3,\"oops")));
    assertThat(bad.location(), is("line 4"));
    assertThat(bad.problem(), containsString("unclosed quote"));
    assertThat(records.get(3).row(), equalTo(Map.of("id", "4", "name", "d")));
    assertThat(records.get(3).location(), is("line 5"));
    assertThat(records.get(5).row(), equalTo(Map.of("id", "6", "name", "f")));
  }

  @Test
  void aStrayQuoteThatClosesOnALaterLineCostsOnlyTheFirstLine() throws IOException {
    String csv = "id,name\n1,\"a\n2,\"b\"\n3,c\n";

    List<ParsedRecord> records = read(reader(), csv);

    assertThat(records, hasSize(3));
    assertThat(records.get(0).raw(), equalTo(Map.of("_raw", "1,\"a")));
    assertThat(records.get(0).problem(), containsString("text after the closing quote"));
    assertThat(records.get(1).row(), equalTo(Map.of("id", "2", "name", "b")));
    assertThat(records.get(2).row(), equalTo(Map.of("id", "3", "name", "c")));
  }

  @Test
  void textAfterAClosingQuoteOnOneLineQuarantinesThatLineVerbatim() throws IOException {
    List<ParsedRecord> records = read(reader(), "id,name\n1,\"a\"x,\"y\n2,b\n");

    assertThat(records.get(0).raw(), equalTo(Map.of("_raw", "1,\"a\"x,\"y")));
    assertThat(records.get(1).row(), equalTo(Map.of("id", "2", "name", "b")));
  }

  @Test
  void aMultiLineRecordIsLocatedByItsLineRange() throws IOException {
    List<ParsedRecord> records = read(reader(), "id,note\n1,\"x\ny\nz\"\n2,w\n");

    assertThat(records.get(0).location(), is("lines 2-4"));
    assertThat(records.get(1).location(), is("line 5"));
  }

  @Test
  void aFieldOverMaxFieldBytesIsQuarantinedWithItsSizeAndHash() throws IOException {
    String big = "x".repeat(100);
    String line = "2," + big;
    CsvRecordReader reader = reader().withLimits(new SourceLimits(50, 1000));

    List<ParsedRecord> records = read(reader, "id,v\n1,a\n" + line + "\n3,c\n");

    assertThat(records, hasSize(3));
    ParsedRecord bad = records.get(1);
    assertThat(bad.problem(), is("field 2 is 100 bytes, over max_field_bytes (50)"));
    assertThat(bad.raw().get("_raw_bytes"), is(102L));
    assertThat(bad.raw().get("_raw_sha256"), is(CanonicalJson.sha256Hex(line)));
    assertThat(records.get(2).row(), equalTo(Map.of("id", "3", "v", "c")));
  }

  @Test
  void aRecordOverMaxRowBytesIsHashedWhileScannedAndCutInQuarantine() throws IOException {
    String line = "2,\"" + "y".repeat(300) + "\nmore\"";
    CsvRecordReader reader = reader().withLimits(new SourceLimits(1000, 100));

    List<ParsedRecord> records = read(reader, "id,v\n" + line + "\n3,c\n");

    assertThat(records, hasSize(2));
    ParsedRecord bad = records.get(0);
    assertThat(bad.location(), is("lines 2-3"));
    assertThat(bad.problem(), containsString("over max_row_bytes (100)"));
    assertThat(bad.raw().get("_raw_bytes"), is((long) line.length()));
    assertThat(bad.raw().get("_raw_sha256"), is(CanonicalJson.sha256Hex(line)));
    assertThat(((String) bad.raw().get("_raw")).length(), is(100));
  }

  @Test
  void anUnclosedQuoteLongerThanMaxRowBytesIsReReadFromTheInputAfterItsFirstLine()
      throws IOException {
    StringBuilder csv = new StringBuilder("id,v\n1,\"open\n");
    for (int i = 2; i < 40; i++) {
      csv.append(i).append(",v").append(i).append('\n');
    }
    CsvRecordReader reader = reader().withLimits(new SourceLimits(50, 50));

    List<ParsedRecord> records = read(reader, csv.toString());

    assertThat(records, hasSize(39));
    assertThat(records.get(0).raw(), equalTo(Map.of("_raw", "1,\"open")));
    assertThat(records.get(38).row(), equalTo(Map.of("id", "39", "v", "v39")));
  }

  @Test
  void aStreamReadOnceQuarantinesAnUnclosedQuoteTooLargeToHoldWhole() throws IOException {
    String tail = "2,b\n3,c\n4,d\n";
    String csv = "id,v\n1,\"open\n" + tail;
    CsvRecordReader reader = reader().withLimits(new SourceLimits(10, 10));
    List<ParsedRecord> records = new ArrayList<>();

    reader.read(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), records::add);

    assertThat(records, hasSize(1));
    assertThat(records.get(0).problem(), containsString("too large to re-read"));
    assertThat(
        records.get(0).raw().get("_raw_sha256"), is(CanonicalJson.sha256Hex("1,\"open\n" + tail)));
  }

  @Test
  void aHeaderWithBrokenQuotingIsAnError() {
    IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IOException.class, () -> read(reader(), "id,\"name\n1,a\n"));

    assertThat(e.getMessage(), containsString("header row (line 1) is unreadable"));
  }

  @Test
  void aLatin1FileIsReadOnItsBytesAndResumesAtExactOffsets() throws IOException {
    byte[] content =
        "id,name\n1,caf\u00e9\n2,\"x\u00ff\ny\"\n".getBytes(StandardCharsets.ISO_8859_1);

    List<ParsedRecord> records =
        read(new CsvRecordReader(',', "ISO-8859-1", 0, List.of(), false, Map.of()), content);

    assertThat(records.get(1).row(), equalTo(Map.of("id", "2", "name", "x\u00ff\ny")));
  }

  @Test
  void utf16InputWithAnUnpairedSurrogateQuarantinesThatRecordWithItsExactBytes()
      throws IOException {
    byte[] content = {
      (byte) 0xFE,
      (byte) 0xFF,
      0,
      'i',
      0,
      'd',
      0,
      '\n',
      (byte) 0xD8,
      0,
      0,
      'x',
      0,
      '\n',
      0,
      'y',
      0,
      '\n'
    };

    List<ParsedRecord> records =
        read(new CsvRecordReader(',', "UTF-16", 0, List.of(), false, Map.of()), content);

    assertThat(records, hasSize(2));
    assertThat(
        records.get(0).problem(),
        containsString("bytes not valid UTF-16: 0xD800 at byte 8 of the input"));
    assertThat(
        Base64.getDecoder().decode((String) records.get(0).raw().get("_raw_base64")),
        equalTo(new byte[] {(byte) 0xD8, 0, 0, 'x'}));
    assertThat(records.get(1).row(), equalTo(Map.of("id", "y")));
  }

  @Test
  void littleEndianUtf16KeepsEveryBadSequenceOfARecordAndItsText() throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFE}); // little-endian byte order mark
    out.writeBytes("id,name\n1,".getBytes(StandardCharsets.UTF_16LE));
    out.writeBytes(new byte[] {0, (byte) 0xDC}); // a lone low surrogate
    out.writeBytes("caf\u00e9 \ud83d\ude00".getBytes(StandardCharsets.UTF_16LE));
    out.writeBytes(new byte[] {0, (byte) 0xD8}); // a lone high surrogate
    out.writeBytes("\n2,ok\n".getBytes(StandardCharsets.UTF_16LE));
    byte[] content = out.toByteArray();

    List<ParsedRecord> records =
        read(new CsvRecordReader(',', "UTF-16", 0, List.of(), false, Map.of()), content);

    assertThat(records, hasSize(2));
    byte[] kept = Base64.getDecoder().decode((String) records.get(0).raw().get("_raw_base64"));
    int start = 2 + "id,name\n".length() * 2;
    int end = content.length - "\n2,ok\n".length() * 2;
    assertThat(kept, equalTo(java.util.Arrays.copyOfRange(content, start, end)));
    assertThat(records.get(0).problem(), containsString("0x00DC at byte " + (start + 4)));
    assertThat(records.get(1).row(), equalTo(Map.of("id", "2", "name", "ok")));
  }

  @Test
  void anOddByteAtTheEndOfAUtf16FileIsKeptWithTheLastRecord() throws IOException {
    byte[] text = "id\n1\n2".getBytes(StandardCharsets.UTF_16BE);
    byte[] content = java.util.Arrays.copyOf(text, text.length + 1);
    content[text.length] = 'z';

    List<ParsedRecord> records =
        read(new CsvRecordReader(',', "UTF-16BE", 0, List.of(), false, Map.of()), content);

    assertThat(records, hasSize(2));
    assertThat(records.get(0).row(), equalTo(Map.of("id", "1")));
    assertThat(
        Base64.getDecoder().decode((String) records.get(1).raw().get("_raw_base64")),
        equalTo(new byte[] {0, '2', 'z'}));
  }

  @Test
  void inAMultiByteCharsetWhoseEncodingIsNotUniqueABadByteStillFailsTheRead() {
    byte[] content = {'i', 'd', '\n', (byte) 0x81, (byte) 0x20, '\n'};

    IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IOException.class,
            () ->
                read(
                    new CsvRecordReader(',', "Shift_JIS", 0, List.of(), false, Map.of()), content));

    assertThat(e.getMessage(), containsString("bytes not valid Shift_JIS"));
  }
}
