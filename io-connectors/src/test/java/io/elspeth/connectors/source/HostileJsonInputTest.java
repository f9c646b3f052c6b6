package io.elspeth.connectors.source;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** JSON and JSON Lines input that is broken on purpose. */
class HostileJsonInputTest {

  private static List<ParsedRecord> read(JsonRecordReader reader, byte[] content)
      throws IOException {
    List<ParsedRecord> records = new ArrayList<>();
    reader.read(new ByteArrayInputStream(content), records::add);
    return records;
  }

  private static JsonRecordReader jsonl() {
    return new JsonRecordReader(JsonRecordReader.Format.JSONL, null, "utf-8");
  }

  private static JsonRecordReader json() {
    return new JsonRecordReader(JsonRecordReader.Format.JSON, null, "utf-8");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aJsonLineWithInvalidUtf8IsQuarantinedWithItsExactBytes() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(utf8("{\"id\": 1}\n{\"id\": \"b"));
    out.write(0xFF);
    out.write(utf8("\"}\n{\"id\": 3}\n"));

    List<ParsedRecord> records = read(jsonl(), out.toByteArray());

    assertThat(records, hasSize(3));
    assertThat(records.get(1).problem(), containsString("bytes not valid UTF-8: 0xFF at byte 19"));
    byte[] kept = Base64.getDecoder().decode((String) records.get(1).raw().get("_raw_base64"));
    assertThat(new String(kept, StandardCharsets.ISO_8859_1), is("{\"id\": \"b\u00ff\"}"));
    assertThat(records.get(2).row(), equalTo(Map.of("id", 3L)));
  }

  @Test
  void aJsonLineWithTextAfterItsValueIsQuarantinedVerbatimNotReadAsItsFirstValue()
      throws IOException {
    List<ParsedRecord> records = read(jsonl(), utf8("{\"id\": 1} trailing\n{\"id\": 2}\n"));

    assertThat(records.get(0).isMalformed(), is(true));
    assertThat(records.get(0).raw(), equalTo(Map.of("_raw", "{\"id\": 1} trailing")));
    assertThat(records.get(1).row(), equalTo(Map.of("id", 2L)));
  }

  @Test
  void aJsonLineOverTheLimitsIsQuarantinedWithItsSizeAndHash() throws IOException {
    String big = "{\"id\": \"" + "x".repeat(100) + "\"}";
    List<ParsedRecord> records =
        read(
            jsonl().withLimits(new SourceLimits(50, 80)),
            utf8(big + "\n{\"id\": \"" + "y".repeat(60) + "\"}\n{\"id\": 3}\n"));

    assertThat(records, hasSize(3));
    assertThat(records.get(0).problem(), containsString("over max_row_bytes (80)"));
    assertThat(records.get(0).raw().get("_raw_bytes"), is((long) big.length()));
    assertThat(
        records.get(1).problem(),
        containsString("field 'id': a string of 60 bytes is over" + " max_field_bytes (50)"));
    assertThat(records.get(2).row(), equalTo(Map.of("id", 3L)));
  }

  @Test
  void aJsonArrayItemWithATooLongStringIsQuarantined() throws IOException {
    List<ParsedRecord> records =
        read(
            json().withLimits(new SourceLimits(10, 1000)),
            utf8("[{\"id\": \"" + "z".repeat(20) + "\"}, {\"id\": 2}]"));

    assertThat(records.get(0).problem(), containsString("over max_field_bytes (10)"));
    assertThat(records.get(1).row(), equalTo(Map.of("id", 2L)));
  }

  @Test
  void aTruncatedJsonArrayFailsWithTheLineAndColumn() {
    IOException e =
        assertThrows(
            IOException.class, () -> read(json(), utf8("[\n  {\"id\": 1},\n  {\"id\": 2")));

    assertThat(
        e.getMessage(),
        allOf(
            containsString("malformed JSON at line 3"),
            containsString("column"),
            containsString("end-of-input")));
  }

  @Test
  void invalidUtf8InAJsonArrayElementIsQuarantinedWithItsExactBytesAndTheArrayReadOn()
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(utf8("[{\"a\": 1}, {\"a\":\""));
    out.write(0xFF);
    out.write(utf8("\"}, {\"a\": 3}]"));

    List<ParsedRecord> records = read(json(), out.toByteArray());

    assertThat(records, hasSize(3));
    assertThat(records.get(0).row(), equalTo(Map.of("a", 1L)));
    assertThat(records.get(1).problem(), containsString("bytes not valid UTF-8: 0xFF at byte 17"));
    byte[] kept = Base64.getDecoder().decode((String) records.get(1).raw().get("_raw_base64"));
    assertThat(new String(kept, StandardCharsets.ISO_8859_1), is("{\"a\":\"\u00ff\"}"));
    assertThat(records.get(2).row(), equalTo(Map.of("a", 3L)));
  }

  @Test
  void garbageBetweenElementsIsQuarantinedVerbatimAndTheNextElementsAreRead() throws IOException {
    List<ParsedRecord> records =
        read(
            json(), utf8("[\n  {\"id\": 1},\n  garbage here,\n  {\"id\": 3},\n  {\"id\": 4}\n]\n"));

    assertThat(records, hasSize(4));
    assertThat(records.get(1).raw(), equalTo(Map.of("_raw", "garbage here")));
    assertThat(records.get(1).location(), is("item 1 (line 3)"));
    assertThat(
        records.get(1).problem(),
        allOf(
            containsString("not valid JSON at line 3"),
            containsString("the array is read on from line 3")));
    assertThat(records.get(2).row(), equalTo(Map.of("id", 3L)));
    // Locations after a resync are the file's.
    assertThat(records.get(3).location(), is("item 3 (line 5)"));
  }

  @Test
  void brokenElementsOfEveryKindAreQuarantinedOneByOne() throws IOException {
    String doc =
        "[{\"a\": \"x,]}\\\"\"},\n" // a string holding , ] } and an escaped quote
            + " {\"b\": 2,, \"c\": 3},\n" // a double comma inside an object
            + " {\"d\": 4} {\"e\": 5},\n" // a missing comma: the second is kept raw
            + " {\"f\": tru},\n" // a bad literal
            + " {\"g\": [1, {\"h\": \"]\"}]},\n" // nested brackets, one in a string
            + " oops]"; // garbage as the last element
    List<ParsedRecord> records = read(json(), utf8(doc));

    assertThat(
        records.stream()
            .map(r -> r.isMalformed() ? "Q:" + r.raw().get("_raw") : "R:" + r.row())
            .toList(),
        equalTo(
            List.of(
                "R:{a=x,]}\"}",
                "Q:{\"b\": 2,, \"c\": 3}",
                "R:{d=4}",
                "Q:{\"e\": 5}",
                "Q:{\"f\": tru}",
                "R:{g=[1, {h=]}]}",
                "Q:oops")));
    assertThat(records.get(6).problem(), containsString("the array ends after it"));
  }

  @Test
  void aTrailingCommaIsAnEmptyElementInQuarantine() throws IOException {
    List<ParsedRecord> records = read(json(), utf8("[{\"a\": 1},]"));

    assertThat(records, hasSize(2));
    assertThat(records.get(1).problem(), containsString("an empty array element"));
    assertThat(records.get(1).raw(), equalTo(Map.of("_raw", "")));
  }

  @Test
  void aStrayQuoteMakesTheBoundaryUncertainSoTheReadFailsWithTheLocation() {
    IOException e =
        assertThrows(
            IOException.class,
            () -> read(json(), utf8("[\n{\"id\": 1},\n{\"id\": \"2},\n{\"id\": 3}\n]")));

    assertThat(e.getMessage(), containsString("malformed JSON at line 3"));
  }

  @Test
  void aMismatchedBracketMakesTheBoundaryUncertain() {
    IOException e =
        assertThrows(
            IOException.class,
            () -> read(json(), utf8("[{\"id\": 1}, {\"b\": [1, 2}, {\"id\": 3}]")));

    assertThat(e.getMessage(), containsString("malformed JSON at line 1"));
  }

  @Test
  void aResyncFarIntoALargeArrayKeepsEveryRowAndTheFilesLineNumbers() throws IOException {
    StringBuilder doc = new StringBuilder("[\n");
    for (int i = 0; i < 3000; i++) {
      doc.append("{\"id\": ")
          .append(i)
          .append(", \"pad\": \"")
          .append("p".repeat(40))
          .append("\"},\n");
    }
    doc.append("{\"id\": broken},\n");
    for (int i = 3001; i < 6000; i++) {
      doc.append("{\"id\": ").append(i).append("},\n");
    }
    doc.append("{\"id\": nope}\n]\n");

    List<ParsedRecord> records = read(json(), utf8(doc.toString()));

    assertThat(records, hasSize(6001));
    assertThat(records.get(3000).raw(), equalTo(Map.of("_raw", "{\"id\": broken}")));
    assertThat(records.get(3000).location(), is("item 3000 (line 3002)"));
    assertThat(records.get(5999).row(), equalTo(Map.of("id", 5999L)));
    assertThat(records.get(5999).location(), is("item 5999 (line 6001)"));
    assertThat(records.get(6000).problem(), containsString("not valid JSON at line 6002"));
  }

  @Test
  void aBrokenElementUnderDataKeyIsQuarantinedToo() throws IOException {
    List<ParsedRecord> records =
        read(
            new JsonRecordReader(JsonRecordReader.Format.JSON, "data", "utf-8"),
            utf8("{\"meta\": 1, \"data\": [{\"a\": 1}, bad, {\"a\": 2}], \"more\": [}"));

    assertThat(records, hasSize(3));
    assertThat(records.get(1).raw(), equalTo(Map.of("_raw", "bad")));
    assertThat(records.get(2).row(), equalTo(Map.of("a", 2L)));
  }

  @Test
  void inOtherEncodingsABrokenArrayStillFailsWithTheLocation() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                read(
                    new JsonRecordReader(JsonRecordReader.Format.JSON, null, "utf-16"),
                    "[{\"a\": 1}, bad, {\"a\": 2}]".getBytes(StandardCharsets.UTF_16)));

    assertThat(e.getMessage(), containsString("malformed JSON at line 1"));
  }

  @Test
  void anEmptyJsonFileIsAnError() {
    IOException e = assertThrows(IOException.class, () -> read(json(), new byte[0]));

    assertThat(e.getMessage(), containsString("the file is empty"));
  }

  @Test
  void aUtf32JsonLineWithAnInvalidCodePointIsQuarantinedWithItsExactBytes() throws IOException {
    java.nio.charset.Charset utf32 = java.nio.charset.Charset.forName("UTF-32BE");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("{\"id\": 1}\n{\"id\": \"".getBytes(utf32));
    out.writeBytes(new byte[] {0, 0x11, 0, 0}); // beyond U+10FFFF
    out.writeBytes("\"}\n{\"id\": 3}\n".getBytes(utf32));

    List<ParsedRecord> records =
        read(
            new JsonRecordReader(JsonRecordReader.Format.JSONL, null, "UTF-32BE"),
            out.toByteArray());

    assertThat(records, hasSize(3));
    assertThat(
        records.get(1).problem(),
        containsString(
            "bytes not valid UTF-32BE: 0x00110000"
                + " at byte "
                + "{\"id\": 1}\n{\"id\": \"".length() * 4));
    byte[] kept = Base64.getDecoder().decode((String) records.get(1).raw().get("_raw_base64"));
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes("{\"id\": \"".getBytes(utf32));
    expected.writeBytes(new byte[] {0, 0x11, 0, 0});
    expected.writeBytes("\"}".getBytes(utf32));
    assertThat(kept, equalTo(expected.toByteArray()));
    assertThat(records.get(2).row(), equalTo(Map.of("id", 3L)));
  }

  @Test
  void aByteOrderMarkDoesNotShiftTheResync() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    out.write(utf8("[{\"a\": 1}, bad, {\"a\": 2}]"));

    List<ParsedRecord> records = read(json(), out.toByteArray());

    assertThat(records, hasSize(3));
    assertThat(records.get(1).raw(), equalTo(Map.of("_raw", "bad")));
    assertThat(records.get(2).row(), equalTo(Map.of("a", 2L)));
  }
}
