package io.elspeth.connectors.source;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRecordReaderTest {

  private static List<ParsedRecord> read(JsonRecordReader reader, String content)
      throws IOException {
    List<ParsedRecord> records = new ArrayList<>();
    reader.read(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), records::add);
    return records;
  }

  private static JsonRecordReader json() {
    return new JsonRecordReader(JsonRecordReader.Format.JSON, null, "utf-8");
  }

  private static JsonRecordReader jsonl() {
    return new JsonRecordReader(JsonRecordReader.Format.JSONL, null, "utf-8");
  }

  /** A row with insertion order kept. */
  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  @Test
  void jsonArrayYieldsOneRowPerObjectInOrder() throws IOException {
    List<ParsedRecord> records =
        read(json(), "[{\"id\": 1, \"name\": \"a\"}, {\"id\": 2, \"name\": \"b\"}]");

    assertThat(records, hasSize(2));
    assertThat(records.get(0).row(), equalTo(row("id", 1L, "name", "a")));
    assertThat(records.get(1).row(), equalTo(row("id", 2L, "name", "b")));
    assertThat(records.get(1).location(), is("item 1 (line 1)"));
  }

  @Test
  void emptyArrayYieldsNoRecords() throws IOException {
    assertThat(read(json(), "[]"), is(empty()));
  }

  @Test
  void dataKeyReadsTheArrayUnderThatKeySkippingOtherKeys() throws IOException {
    JsonRecordReader reader =
        new JsonRecordReader(JsonRecordReader.Format.JSON, "results", "utf-8");

    List<ParsedRecord> records =
        read(
            reader,
            "{\"meta\": {\"results\": [{\"id\": 99}], \"n\": [1, 2]}, \"results\": [{\"id\": 1}]}");

    assertThat(records, hasSize(1));
    assertThat(records.get(0).row(), equalTo(row("id", 1L)));
  }

  @Test
  void missingDataKeyFailsNamingTheKey() {
    JsonRecordReader reader =
        new JsonRecordReader(JsonRecordReader.Format.JSON, "results", "utf-8");

    IOException e =
        assertThrows(IOException.class, () -> read(reader, "{\"data\": [{\"id\": 1}]}"));

    assertThat(e.getMessage(), containsString("'results'"));
  }

  @Test
  void dataKeyOnATopLevelArrayFailsNamingTheKey() {
    JsonRecordReader reader =
        new JsonRecordReader(JsonRecordReader.Format.JSON, "results", "utf-8");

    IOException e = assertThrows(IOException.class, () -> read(reader, "[{\"id\": 1}]"));

    assertThat(e.getMessage(), containsString("'results'"));
  }

  @Test
  void topLevelObjectWithoutDataKeyFailsSuggestingDataKey() {
    IOException e = assertThrows(IOException.class, () -> read(json(), "{\"id\": 1}"));

    assertThat(e.getMessage(), containsString("data_key"));
  }

  @Test
  void arrayItemThatIsNotAnObjectIsMalformedWithTheValueKeptRaw() throws IOException {
    List<ParsedRecord> records = read(json(), "[{\"id\": 1}, 42, [1, 2], {\"id\": 2}]");

    assertThat(records, hasSize(4));
    assertThat(records.get(1).isMalformed(), is(true));
    assertThat(records.get(1).raw(), equalTo(row("_raw", 42L)));
    assertThat(records.get(1).location(), is("item 1 (line 1)"));
    assertThat(records.get(2).isMalformed(), is(true));
    assertThat(records.get(2).raw(), equalTo(row("_raw", List.of(1L, 2L))));
    assertThat(records.get(2).problem(), containsString("an array"));
    assertThat(records.get(3).row(), equalTo(row("id", 2L)));
  }

  @Test
  void jsonlYieldsOneRowPerLineSkippingBlankLines() throws IOException {
    List<ParsedRecord> records = read(jsonl(), "{\"id\": 1}\n\n   \n{\"id\": 2}\n");

    assertThat(records, hasSize(2));
    assertThat(records.get(0).row(), equalTo(row("id", 1L)));
    assertThat(records.get(1).row(), equalTo(row("id", 2L)));
    assertThat(records.get(1).location(), is("line 4"));
  }

  @Test
  void jsonlLineThatIsNotJsonIsMalformedWithTheLineKeptRaw() throws IOException {
    List<ParsedRecord> records = read(jsonl(), "{\"id\": 1}\n{not json\n{\"id\": 3}\n");

    assertThat(records, hasSize(3));
    ParsedRecord bad = records.get(1);
    assertThat(bad.isMalformed(), is(true));
    assertThat(bad.raw(), equalTo(row("_raw", "{not json")));
    assertThat(bad.problem(), containsString("not valid JSON"));
    assertThat(bad.location(), is("line 2"));
    assertThat(records.get(2).row(), equalTo(row("id", 3L)));
  }

  @Test
  void jsonlLineThatIsNotAnObjectIsMalformedWithTheValueKeptRaw() throws IOException {
    List<ParsedRecord> records = read(jsonl(), "\"just text\"\n");

    assertThat(records.get(0).isMalformed(), is(true));
    assertThat(records.get(0).raw(), equalTo(row("_raw", "just text")));
  }

  @Test
  void integersBecomeLongAndDecimalsBecomeDouble() throws IOException {
    List<ParsedRecord> records =
        read(json(), "[{\"i\": 7, \"d\": 2.5, \"e\": 1e3, \"n\": [3, 0.5]}]");

    Map<String, Object> row = records.get(0).row();
    assertThat(row.get("i"), is(instanceOf(Long.class)));
    assertThat(row.get("d"), equalTo((Object) 2.5d));
    assertThat(row.get("e"), equalTo((Object) 1000.0d));
    assertThat((List<?>) row.get("n"), contains(3L, 0.5d));
  }

  @Test
  void nullsBooleansAndNestedObjectsArePlainValues() throws IOException {
    List<ParsedRecord> records =
        read(jsonl(), "{\"a\": null, \"b\": true, \"c\": {\"x\": \"y\"}}\n");

    assertThat(records.get(0).row(), equalTo(row("a", null, "b", true, "c", row("x", "y"))));
  }

  @Test
  void keysKeepTheirOrderInTheDocument() throws IOException {
    List<ParsedRecord> records = read(json(), "[{\"z\": 1, \"a\": 2, \"m\": 3}]");

    assertThat(new ArrayList<>(records.get(0).row().keySet()), contains("z", "a", "m"));
  }

  @Test
  void jsonValuesAreTyped() {
    assertThat(json().textValues(), is(false));
  }
}
