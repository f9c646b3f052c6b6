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
    List<ParsedRecord> records = read(jsonl().withLimits(new SourceLimits(50, 80)),
        utf8(big + "\n{\"id\": \"" + "y".repeat(60) + "\"}\n{\"id\": 3}\n"));

    assertThat(records, hasSize(3));
    assertThat(records.get(0).problem(), containsString("over max_row_bytes (80)"));
    assertThat(records.get(0).raw().get("_raw_bytes"), is((long) big.length()));
    assertThat(records.get(1).problem(), containsString("field 'id': a string of 60 bytes is over"
        + " max_field_bytes (50)"));
    assertThat(records.get(2).row(), equalTo(Map.of("id", 3L)));
  }

  @Test
  void aJsonArrayItemWithATooLongStringIsQuarantined() throws IOException {
    List<ParsedRecord> records = read(json().withLimits(new SourceLimits(10, 1000)),
        utf8("[{\"id\": \"" + "z".repeat(20) + "\"}, {\"id\": 2}]"));

    assertThat(records.get(0).problem(), containsString("over max_field_bytes (10)"));
    assertThat(records.get(1).row(), equalTo(Map.of("id", 2L)));
  }

  @Test
  void aTruncatedJsonArrayFailsWithTheLineAndColumn() {
    IOException e = assertThrows(IOException.class,
        () -> read(json(), utf8("[\n  {\"id\": 1},\n  {\"id\": 2")));

    assertThat(e.getMessage(), allOf(containsString("malformed JSON at line 3"),
        containsString("column"), containsString("end-of-input")));
  }

  @Test
  void invalidUtf8InAJsonArrayFailsWithTheLineInsteadOfBeingReplaced() {
    byte[] content = {'[', '{', '"', 'a', '"', ':', '"', (byte) 0xFF, '"', '}', ']'};

    IOException e = assertThrows(IOException.class, () -> read(json(), content));

    assertThat(e.getMessage(), allOf(containsString("malformed JSON at line 1"),
        containsString("UTF-8")));
  }

  @Test
  void anEmptyJsonFileIsAnError() {
    IOException e = assertThrows(IOException.class, () -> read(json(), new byte[0]));

    assertThat(e.getMessage(), containsString("the file is empty"));
  }
}
