package io.elspeth.connectors.sink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.connectors.schema.SchemaSpec;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSinkWriterTest {
  /** File writers make no external calls; the recorder must stay empty. */
  private static final OperationCalls FILE_CALLS = new OperationCalls("run-test", "op_file");

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;

  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  private static SchemaSpec schema(String json) throws IOException {
    return SchemaSpec.parse(MAPPER.readTree(json)).spec();
  }

  private CsvSinkWriter writer(Path file) {
    return new CsvSinkWriter(file.toString(), ',', "utf-8", false, SchemaSpec.dynamic(), Map.of());
  }

  private static List<List<String>> records(Path file) throws IOException {
    List<List<String>> out = new ArrayList<>();
    try (CSVParser parser =
        CSVParser.parse(
            new StringReader(Files.readString(file, StandardCharsets.UTF_8)), CSVFormat.DEFAULT)) {
      for (CSVRecord r : parser) {
        out.add(r.toList());
      }
    }
    return out;
  }

  private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void writesPythonsCsvBytesCrLfAndMinimalQuoting() throws IOException {
    Path file = dir.resolve("out.csv");

    writer(file)
        .write(
            List.of(
                row(
                    "id",
                    1L,
                    "name",
                    "a, b",
                    "note",
                    "say \"hi\"",
                    "x",
                    1e-05,
                    "big",
                    1e16,
                    "neg",
                    -0.0,
                    "ok",
                    true,
                    "none",
                    null,
                    "u",
                    "\u00e9\ud83d\ude00"),
                row(
                    "id",
                    2L,
                    "name",
                    " lead",
                    "note",
                    "line\nbreak",
                    "x",
                    10000000.0,
                    "big",
                    0.1,
                    "neg",
                    -1.5,
                    "ok",
                    false,
                    "none",
                    null,
                    "u",
                    "#x")),
            FILE_CALLS);

    // What Python 3's csv.DictWriter (ELSPETH's csv sink) writes for these rows.
    assertThat(
        Files.readString(file),
        equalTo(
            "id,name,note,x,big,neg,ok,none,u\r\n"
                + "1,\"a, b\",\"say \"\"hi\"\"\",1e-05,1e+16,-0.0,True,,\u00e9\ud83d\ude00\r\n"
                + "2, lead,\"line\nbreak\",10000000.0,0.1,-1.5,False,,#x\r\n"));
  }

  @Test
  void aLoneEmptyCellIsWrittenQuotedAsPythonDoes() throws IOException {
    Path file = dir.resolve("out.csv");
    Map<String, Object> empty = new java.util.HashMap<>();
    empty.put("a", "");

    writer(file).write(List.of(empty), FILE_CALLS);

    assertThat(Files.readString(file), equalTo("a\r\n\"\"\r\n"));
  }

  @Test
  void headerIsTheUnionOfRowKeysInFirstSeenOrder() throws IOException {
    Path file = dir.resolve("out.csv");

    writer(file)
        .write(
            List.of(row("b", 1L, "a", 2L), row("a", 3L, "c", 4L), row("d", 5L, "b", 6L)),
            FILE_CALLS);

    assertThat(records(file).get(0), contains("b", "a", "c", "d"));
  }

  @Test
  void rowLackingAColumnHasAnEmptyCellThere() throws IOException {
    Path file = dir.resolve("out.csv");

    writer(file).write(List.of(row("a", 1L, "b", 2L), row("b", 3L)), FILE_CALLS);

    assertThat(records(file), contains(List.of("a", "b"), List.of("1", "2"), List.of("", "3")));
  }

  @Test
  void declaredSchemaFieldsComeFirstThenOtherRowKeys() throws IOException {
    Path file = dir.resolve("out.csv");
    CsvSinkWriter writer =
        new CsvSinkWriter(
            file.toString(),
            ',',
            "utf-8",
            false,
            schema(
                "{\"mode\": \"free\", \"fields\": [\"id: int\", \"name: str\", \"score: float?\"]}"),
            Map.of());

    writer.write(List.of(row("extra", "x", "name", "alice", "id", 1L)), FILE_CALLS);

    assertThat(
        records(file),
        contains(List.of("id", "name", "score", "extra"), List.of("1", "alice", "", "x")));
  }

  @Test
  void booleansAreWrittenAsPythonTrueAndFalse() throws IOException {
    Path file = dir.resolve("out.csv");

    writer(file).write(List.of(row("yes", true, "no", false)), FILE_CALLS);

    assertThat(records(file).get(1), contains("True", "False"));
  }

  @Test
  void floatsAreWrittenInPythonReprForm() throws IOException {
    Path file = dir.resolve("out.csv");

    writer(file)
        .write(List.of(row("a", 3.0d, "b", 1e-05d, "c", 0.1d, "d", 1e16d, "e", -2.5d)), FILE_CALLS);

    assertThat(records(file).get(1), contains("3.0", "1e-05", "0.1", "1e+16", "-2.5"));
  }

  @Test
  void integersAndStringsAreWrittenAsIs() throws IOException {
    Path file = dir.resolve("out.csv");

    writer(file).write(List.of(row("n", 42L, "s", "hello, world")), FILE_CALLS);

    assertThat(records(file).get(1), contains("42", "hello, world"));
  }

  @Test
  void nullIsAnEmptyCell() throws IOException {
    Path file = dir.resolve("out.csv");

    writer(file).write(List.of(row("a", "x", "b", null)), FILE_CALLS);

    assertThat(Files.readString(file), is("a,b\r\nx,\r\n"));
  }

  @Test
  void nestedValuesAreWrittenAsJson() throws IOException {
    Path file = dir.resolve("out.csv");

    writer(file)
        .write(List.of(row("m", row("k", 1L, "v", "x"), "l", List.of(1L, "two"))), FILE_CALLS);

    List<String> cells = records(file).get(1);
    assertThat(MAPPER.readTree(cells.get(0)), equalTo(MAPPER.readTree("{\"k\": 1, \"v\": \"x\"}")));
    assertThat(MAPPER.readTree(cells.get(1)), equalTo(MAPPER.readTree("[1, \"two\"]")));
  }

  @Test
  void valuesWithLineBreaksAreQuotedAndReadBackWhole() throws IOException {
    Path file = dir.resolve("out.csv");

    writer(file).write(List.of(row("note", "first\nsecond \"quoted\"")), FILE_CALLS);

    assertThat(records(file).get(1), contains("first\nsecond \"quoted\""));
  }

  @Test
  void customDelimiterSeparatesCells() throws IOException {
    Path file = dir.resolve("out.csv");
    CsvSinkWriter writer =
        new CsvSinkWriter(file.toString(), ';', "utf-8", false, SchemaSpec.dynamic(), Map.of());

    writer.write(List.of(row("a", 1L, "b", "x,y")), FILE_CALLS);

    assertThat(Files.readString(file), is("a;b\r\n1;x,y\r\n"));
  }

  @Test
  void displayHeadersRenameColumnsInTheHeaderRow() throws IOException {
    Path file = dir.resolve("out.csv");
    CsvSinkWriter writer =
        new CsvSinkWriter(
            file.toString(),
            ',',
            "utf-8",
            false,
            SchemaSpec.dynamic(),
            Map.of("id", "Customer ID"));

    writer.write(List.of(row("id", 1L, "name", "alice")), FILE_CALLS);

    assertThat(records(file).get(0), contains("Customer ID", "name"));
  }

  @Test
  void writeModeReplacesAnExistingFile() throws IOException {
    Path file = dir.resolve("out.csv");
    Files.writeString(file, "old,stuff\n1,2\n");

    writer(file).write(List.of(row("id", 7L)), FILE_CALLS);

    assertThat(Files.readString(file), is("id\r\n7\r\n"));
  }

  @Test
  void appendModeKeepsTheExistingHeaderAndRows() throws IOException {
    Path file = dir.resolve("out.csv");
    writer(file).write(List.of(row("id", 1L, "name", "alice")), FILE_CALLS);
    CsvSinkWriter appending =
        new CsvSinkWriter(file.toString(), ',', "utf-8", true, SchemaSpec.dynamic(), Map.of());

    appending.write(List.of(row("name", "bob", "id", 2L)), FILE_CALLS);

    assertThat(
        records(file), contains(List.of("id", "name"), List.of("1", "alice"), List.of("2", "bob")));
  }

  @Test
  void appendModeRefusesARowFieldOutsideTheExistingHeaderAndLeavesTheFileUnchanged()
      throws IOException {
    Path file = dir.resolve("out.csv");
    writer(file).write(List.of(row("id", 1L)), FILE_CALLS);
    CsvSinkWriter appending =
        new CsvSinkWriter(file.toString(), ',', "utf-8", true, SchemaSpec.dynamic(), Map.of());

    IOException e =
        assertThrows(
            IOException.class,
            () -> appending.write(List.of(row("id", 2L, "note", "would be lost")), FILE_CALLS));

    assertThat(e.getMessage(), containsString("'note'"));
    assertThat(Files.readString(file), is("id\r\n1\r\n"));
  }

  @Test
  void appendModeMapsDisplayHeadersBackToFields() throws IOException {
    Path file = dir.resolve("out.csv");
    Map<String, String> headers = Map.of("id", "Customer ID");
    new CsvSinkWriter(file.toString(), ',', "utf-8", false, SchemaSpec.dynamic(), headers)
        .write(List.of(row("id", 1L)), FILE_CALLS);

    new CsvSinkWriter(file.toString(), ',', "utf-8", true, SchemaSpec.dynamic(), headers)
        .write(List.of(row("id", 2L)), FILE_CALLS);

    assertThat(records(file), contains(List.of("Customer ID"), List.of("1"), List.of("2")));
  }

  @Test
  void appendModeOnAMissingFileWritesAHeader() throws IOException {
    Path file = dir.resolve("new.csv");
    CsvSinkWriter appending =
        new CsvSinkWriter(file.toString(), ',', "utf-8", true, SchemaSpec.dynamic(), Map.of());

    appending.write(List.of(row("id", 1L)), FILE_CALLS);

    assertThat(Files.readString(file), is("id\r\n1\r\n"));
  }

  @Test
  void artifactHashIsTheSha256OfTheFileBytesAndSizeIsTheFileSize() throws Exception {
    Path file = dir.resolve("out.csv");

    SinkWriter.Artifact artifact =
        writer(file).write(List.of(row("id", 1L, "name", "alice")), FILE_CALLS);

    byte[] bytes = Files.readAllBytes(file);
    assertThat(artifact.contentHash(), is(sha256(bytes)));
    assertThat(artifact.sizeBytes(), is((long) bytes.length));
    assertThat(artifact.artifactType(), is("file"));
    assertThat(Path.of(artifact.pathOrUri()), is(file.toAbsolutePath()));
  }

  @Test
  void artifactAfterAppendDescribesTheWholeFile() throws Exception {
    Path file = dir.resolve("out.csv");
    writer(file).write(List.of(row("id", 1L)), FILE_CALLS);

    SinkWriter.Artifact artifact =
        new CsvSinkWriter(file.toString(), ',', "utf-8", true, SchemaSpec.dynamic(), Map.of())
            .write(List.of(row("id", 2L)), FILE_CALLS);

    assertThat(artifact.contentHash(), is(sha256(Files.readAllBytes(file))));
    assertThat(artifact.sizeBytes(), is(Files.size(file)));
  }

  @Test
  void writingIntoAMissingFolderCreatesIt() throws IOException {
    Path file = dir.resolve("a").resolve("b").resolve("out.csv");

    writer(file).write(List.of(row("id", 1L)), FILE_CALLS);

    assertThat(Files.readString(file), is("id\r\n1\r\n"));
  }

  @Test
  void noTemporaryFilesAreLeftBehind() throws IOException {
    Path file = dir.resolve("out.csv");

    writer(file).write(List.of(row("id", 1L)), FILE_CALLS);
    writer(file).write(List.of(row("id", 2L)), FILE_CALLS);

    try (Stream<Path> files = Files.list(dir)) {
      assertThat(
          files.map(p -> p.getFileName().toString()).toList(), containsInAnyOrder("out.csv"));
    }
  }

  @Test
  void noRowsAndNoSchemaWritesAnEmptyFile() throws IOException {
    Path file = dir.resolve("out.csv");

    SinkWriter.Artifact artifact = writer(file).write(List.of(), FILE_CALLS);

    assertThat(Files.size(file), is(0L));
    assertThat(artifact.sizeBytes(), is(0L));
  }

  @Test
  void noRowsWithADeclaredSchemaWritesOnlyTheHeader() throws IOException {
    Path file = dir.resolve("out.csv");
    CsvSinkWriter writer =
        new CsvSinkWriter(
            file.toString(),
            ',',
            "utf-8",
            false,
            schema("{\"mode\": \"strict\", \"fields\": [\"id: int\", \"name: str\"]}"),
            Map.of());

    writer.write(List.of(), FILE_CALLS);

    assertThat(Files.readString(file), is("id,name\r\n"));
  }

  @Test
  void writingAFileRecordsNoExternalCall() throws IOException {
    Path file = dir.resolve("calls.csv");
    OperationCalls calls = new OperationCalls("run-test", "op_calls");
    writer(file).write(List.of(row("id", 1L)), calls);
    assertThat(calls.calls(), hasSize(0));
  }

  @Test
  void aRowWithAFieldOutsideTheHeaderOfTheFileAppendedToCannotBeWrittenButOthersCan()
      throws IOException {
    Path file = dir.resolve("out.csv");
    Files.writeString(file, "id,name\n1,a\n");
    CsvSinkWriter append =
        new CsvSinkWriter(file.toString(), ',', "utf-8", true, SchemaSpec.dynamic(), Map.of());

    assertThat(append.cannotWrite(row("id", 2L, "name", "b")).isPresent(), is(false));
    assertThat(
        append.cannotWrite(row("id", 3L, "name", "c", "extra", "x")).orElseThrow(),
        allOf(
            containsString("field 'extra' is not a column of the existing header [id, name]"),
            containsString("appending cannot add a column")));
  }

  @Test
  void aValueTheEncodingCannotHoldCannotBeWrittenInsteadOfBecomingAQuestionMark() {
    CsvSinkWriter ascii =
        new CsvSinkWriter(
            dir.resolve("a.csv").toString(), ',', "ascii", false, SchemaSpec.dynamic(), Map.of());
    CsvSinkWriter utf8 = writer(dir.resolve("u.csv"));

    assertThat(
        ascii.cannotWrite(row("id", 1L, "name", "caf\u00e9")).orElseThrow(),
        containsString("the value of field 'name' cannot be encoded in US-ASCII"));
    assertThat(
        ascii.cannotWrite(row("n\u00e4me", "x")).orElseThrow(),
        containsString("field name 'n\u00e4me' cannot be encoded in US-ASCII"));
    assertThat(
        ascii.cannotWrite(row("id", 1L, "name", "cafe", "nested", Map.of("k", "v"))).isPresent(),
        is(false));
    assertThat(utf8.cannotWrite(row("name", "caf\u00e9 \ud83d\ude00")).isPresent(), is(false));
    // A lone surrogate has no UTF-8 encoding at all.
    assertThat(
        utf8.cannotWrite(row("name", "a\ud800b")).orElseThrow(),
        containsString("the value of field 'name' cannot be encoded in UTF-8"));
  }
}
