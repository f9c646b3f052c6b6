package io.elspeth.connectors.source;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CsvRecordReaderTest {

  /** What one read produced: the records in order and the returned field-name resolution. */
  private record ReadResult(List<ParsedRecord> records, Map<String, String> resolution) {}

  private static CsvRecordReader reader() {
    return new CsvRecordReader(',', "utf-8", 0, List.of(), false, Map.of());
  }

  private static ReadResult read(CsvRecordReader reader, byte[] content) throws IOException {
    List<ParsedRecord> records = new ArrayList<>();
    Map<String, String> resolution = reader.read(new ByteArrayInputStream(content), records::add);
    return new ReadResult(records, resolution);
  }

  private static ReadResult read(CsvRecordReader reader, String content) throws IOException {
    return read(reader, content.getBytes(StandardCharsets.UTF_8));
  }

  /** A row with insertion order kept. */
  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  private static List<Map<String, Object>> rows(ReadResult result) {
    List<Map<String, Object>> rows = new ArrayList<>();
    result.records().forEach(r -> rows.add(r.row()));
    return rows;
  }

  @Test
  void firstRowIsTheHeaderAndEachFollowingRowMapsHeaderToTextValue() throws IOException {
    ReadResult result = read(reader(), "id,name\n1,alice\n2,bob\n");

    assertThat(
        rows(result), contains(row("id", "1", "name", "alice"), row("id", "2", "name", "bob")));
  }

  @Test
  void keysOfARowFollowTheHeaderColumnOrder() throws IOException {
    ReadResult result = read(reader(), "z,a,m\n1,2,3\n");

    assertThat(new ArrayList<>(result.records().get(0).row().keySet()), contains("z", "a", "m"));
  }

  @Test
  void locationOfARowIsItsLineInTheFile() throws IOException {
    ReadResult result = read(reader(), "id\n1\n2\n");

    assertThat(result.records().get(0).location(), is("line 2"));
    assertThat(result.records().get(1).location(), is("line 3"));
  }

  @Test
  void quotedFieldMaySpanSeveralLines() throws IOException {
    ReadResult result = read(reader(), "id,note\n1,\"first line\nsecond, line\"\n2,plain\n");

    assertThat(
        rows(result),
        contains(
            row("id", "1", "note", "first line\nsecond, line"), row("id", "2", "note", "plain")));
  }

  @Test
  void quotedFieldKeepsEscapedQuotes() throws IOException {
    ReadResult result = read(reader(), "id,note\n1,\"say \"\"hi\"\"\"\n");

    assertThat(result.records().get(0).row().get("note"), is("say \"hi\""));
  }

  @Test
  void rowWithTooFewFieldsIsMalformedAndKeepsItsRawValues() throws IOException {
    ReadResult result = read(reader(), "a,b,c\n1,2\n");

    ParsedRecord rec = result.records().get(0);
    assertThat(rec.isMalformed(), is(true));
    assertThat(rec.row(), is(nullValue()));
    assertThat(rec.raw(), equalTo(row("a", "1", "b", "2")));
    assertThat(rec.problem(), containsString("expected 3 fields, got 2"));
    assertThat(rec.location(), is("line 2"));
  }

  @Test
  void rowWithTooManyFieldsIsMalformedAndKeepsTheExtraValues() throws IOException {
    ReadResult result = read(reader(), "a,b\n1,2,3,4\n");

    ParsedRecord rec = result.records().get(0);
    assertThat(rec.isMalformed(), is(true));
    assertThat(rec.raw(), equalTo(row("a", "1", "b", "2", "_extra_1", "3", "_extra_2", "4")));
    assertThat(rec.problem(), containsString("expected 2 fields, got 4"));
  }

  @Test
  void raggedRowDoesNotStopTheRowsAfterIt() throws IOException {
    ReadResult result = read(reader(), "a,b\n1\n2,3\n");

    assertThat(result.records(), hasSize(2));
    assertThat(result.records().get(1).isMalformed(), is(false));
    assertThat(result.records().get(1).row(), equalTo(row("a", "2", "b", "3")));
  }

  @Test
  void skipRowsSkipsLinesBeforeTheHeader() throws IOException {
    CsvRecordReader reader = new CsvRecordReader(',', "utf-8", 2, List.of(), false, Map.of());

    ReadResult result = read(reader, "# exported 2024\n# by someone\nid,name\n1,alice\n");

    assertThat(rows(result), contains(row("id", "1", "name", "alice")));
    assertThat(result.records().get(0).location(), is("line 4"));
  }

  @Test
  void skippingMoreRowsThanTheFileHasIsAnErrorForWantOfAHeader() {
    CsvRecordReader reader = new CsvRecordReader(',', "utf-8", 5, List.of(), false, Map.of());

    IOException e = assertThrows(IOException.class, () -> read(reader, "id\n1\n"));

    assertThat(e.getMessage(), containsString("no header row after the 5 skipped lines"));
  }

  @Test
  void columnsNameTheFieldsOfAHeaderlessFileSoTheFirstLineIsData() throws IOException {
    CsvRecordReader reader =
        new CsvRecordReader(',', "utf-8", 0, List.of("id", "name"), false, Map.of());

    ReadResult result = read(reader, "1,alice\n2,bob\n");

    assertThat(
        rows(result), contains(row("id", "1", "name", "alice"), row("id", "2", "name", "bob")));
    assertThat(result.records().get(0).location(), is("line 1"));
  }

  @Test
  void columnsAreUsedExactlyAsGivenEvenWhenNormalizeFieldsIsSet() throws IOException {
    CsvRecordReader reader =
        new CsvRecordReader(',', "utf-8", 0, List.of("Customer ID", "Full Name"), true, Map.of());

    ReadResult result = read(reader, "1,alice\n");

    assertThat(
        new ArrayList<>(result.records().get(0).row().keySet()),
        contains("Customer ID", "Full Name"));
  }

  @Test
  void utf8ByteOrderMarkIsStrippedFromTheFirstHeader() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    bytes.write("id,name\n1,alice\n".getBytes(StandardCharsets.UTF_8));

    ReadResult result = read(reader(), bytes.toByteArray());

    assertThat(new ArrayList<>(result.records().get(0).row().keySet()), contains("id", "name"));
  }

  @Test
  void utf8ByteOrderMarkIsStrippedFromTheFirstValueOfAHeaderlessFile() throws IOException {
    CsvRecordReader reader =
        new CsvRecordReader(',', "utf-8", 0, List.of("id", "name"), false, Map.of());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    bytes.write("1,alice\n".getBytes(StandardCharsets.UTF_8));

    ReadResult result = read(reader, bytes.toByteArray());

    assertThat(result.records().get(0).row(), equalTo(row("id", "1", "name", "alice")));
  }

  @Test
  void normalizeFieldsAndFieldMappingRenameFieldsAndReturnTheResolution() throws IOException {
    CsvRecordReader reader =
        new CsvRecordReader(',', "utf-8", 0, List.of(), true, Map.of("amount", "total"));

    ReadResult result = read(reader, "First Name,Amount ($)\nalice,12\n");

    assertThat(result.records().get(0).row(), equalTo(row("first_name", "alice", "total", "12")));
    assertThat(
        result.resolution(), equalTo(Map.of("First Name", "first_name", "Amount ($)", "total")));
  }

  @Test
  void headersAreKeptAsWrittenWhenNormalizeFieldsIsOff() throws IOException {
    ReadResult result = read(reader(), "First Name\nalice\n");

    assertThat(result.records().get(0).row(), equalTo(row("First Name", "alice")));
  }

  @Test
  void customDelimiterSplitsFieldsAndLeavesCommasInValues() throws IOException {
    CsvRecordReader reader = new CsvRecordReader(';', "utf-8", 0, List.of(), false, Map.of());

    ReadResult result = read(reader, "id;amount\n1;3,50\n");

    assertThat(rows(result), contains(row("id", "1", "amount", "3,50")));
  }

  @Test
  void tabDelimiterIsAccepted() throws IOException {
    CsvRecordReader reader = new CsvRecordReader('\t', "utf-8", 0, List.of(), false, Map.of());

    ReadResult result = read(reader, "id\tname\n1\talice smith\n");

    assertThat(rows(result), contains(row("id", "1", "name", "alice smith")));
  }

  @Test
  void configuredEncodingDecodesTheFile() throws IOException {
    CsvRecordReader reader = new CsvRecordReader(',', "ISO-8859-1", 0, List.of(), false, Map.of());

    ReadResult result = read(reader, "name\ncaf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

    assertThat(result.records().get(0).row().get("name"), is("caf\u00e9"));
  }

  @Test
  void blankLinesBetweenRowsAreIgnored() throws IOException {
    ReadResult result = read(reader(), "id\n1\n\n2\n");

    assertThat(rows(result), contains(row("id", "1"), row("id", "2")));
  }

  @Test
  void fileWithOnlyAHeaderYieldsNoRecords() throws IOException {
    ReadResult result = read(reader(), "id,name\n");

    assertThat(result.records(), is(empty()));
  }

  @Test
  void emptyFileIsAnErrorBecauseItHasNoHeader() {
    IOException e = assertThrows(IOException.class, () -> read(reader(), ""));

    assertThat(e.getMessage(), containsString("the file is empty: no header row"));
  }

  @Test
  void emptyFileWithGivenColumnsYieldsNoRecords() throws IOException {
    CsvRecordReader reader = new CsvRecordReader(',', "utf-8", 0, List.of("id"), false, Map.of());

    assertThat(read(reader, "").records(), is(empty()));
  }

  @Test
  void csvValuesAreText() {
    assertThat(reader().textValues(), is(true));
  }
}
