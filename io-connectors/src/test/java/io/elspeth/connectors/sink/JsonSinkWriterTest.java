package io.elspeth.connectors.sink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.operation.OperationCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonSinkWriterTest {
  /** File writers make no external calls; the recorder must stay empty. */
  private static final OperationCalls FILE_CALLS = new OperationCalls("run-test", "op_file");

  @TempDir Path dir;

  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  private static JsonSinkWriter json(Path file, int indent, boolean append) {
    return new JsonSinkWriter(file.toString(), JsonSinkWriter.Format.JSON, indent, "utf-8", append);
  }

  private static JsonSinkWriter jsonl(Path file, boolean append) {
    return new JsonSinkWriter(file.toString(), JsonSinkWriter.Format.JSONL, 0, "utf-8", append);
  }

  private static List<Object> lines(Path file) throws IOException {
    List<Object> parsed = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      parsed.add(CanonicalJson.parse(line));
    }
    return parsed;
  }

  /** Rows whose every value has its own Python spelling: floats, -0.0, non-ASCII, quotes. */
  private static List<Map<String, Object>> pythonRows() {
    return List.of(
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
            "\u00e9\ud83d\ude00",
            "nested",
            row("k", List.of(1L, 2.5d))),
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
            "#x",
            "nested",
            row()));
  }

  // The expected texts below are what Python 3's json.dump writes for pythonRows(), as
  // ELSPETH's json sink calls it: json.dump(rows, f, indent=...) and json.dump(row, f) + "\n".
  private static final String PY_ROW_1 =
      "{\"id\": 1, \"name\": \"a, b\", \"note\":"
          + " \"say \\\"hi\\\"\", \"x\": 1e-05, \"big\": 1e+16, \"neg\": -0.0, \"ok\": true,"
          + " \"none\": null, \"u\": \"\\u00e9\\ud83d\\ude00\", \"nested\": {\"k\": [1, 2.5]}}";
  private static final String PY_ROW_2 =
      "{\"id\": 2, \"name\": \" lead\", \"note\":"
          + " \"line\\nbreak\", \"x\": 10000000.0, \"big\": 0.1, \"neg\": -1.5, \"ok\": false,"
          + " \"none\": null, \"u\": \"#x\", \"nested\": {}}";

  @Test
  void jsonFormatWritesPythonsJsonDumpBytesWithoutATrailingNewline() throws IOException {
    Path file = dir.resolve("out.json");

    json(file, -1, false).write(pythonRows(), FILE_CALLS);

    assertThat(Files.readString(file), equalTo("[" + PY_ROW_1 + ", " + PY_ROW_2 + "]"));
  }

  @Test
  void jsonFormatWithIndentWritesPythonsIndentedBytes() throws IOException {
    Path file = dir.resolve("out.json");

    json(file, 2, false).write(pythonRows(), FILE_CALLS);

    assertThat(
        Files.readString(file),
        equalTo(
            "[\n  {\n    \"id\": 1,\n    \"name\": \"a, b\",\n"
                + "    \"note\": \"say \\\"hi\\\"\",\n    \"x\": 1e-05,\n    \"big\": 1e+16,\n"
                + "    \"neg\": -0.0,\n    \"ok\": true,\n    \"none\": null,\n"
                + "    \"u\": \"\\u00e9\\ud83d\\ude00\",\n    \"nested\": {\n      \"k\": [\n        1,\n"
                + "        2.5\n      ]\n    }\n  },\n  {\n    \"id\": 2,\n    \"name\": \" lead\",\n"
                + "    \"note\": \"line\\nbreak\",\n    \"x\": 10000000.0,\n    \"big\": 0.1,\n"
                + "    \"neg\": -1.5,\n    \"ok\": false,\n    \"none\": null,\n    \"u\": \"#x\",\n"
                + "    \"nested\": {}\n  }\n]"));
  }

  @Test
  void jsonFormatWithIndentZeroBreaksLinesWithoutIndenting() throws IOException {
    Path file = dir.resolve("out.json");

    json(file, 0, false).write(List.of(row("id", 1L, "k", List.of(1L))), FILE_CALLS);

    assertThat(Files.readString(file), equalTo("[\n{\n\"id\": 1,\n\"k\": [\n1\n]\n}\n]"));
  }

  @Test
  void emptyJsonArrayIsTwoBrackets() throws IOException {
    Path file = dir.resolve("out.json");

    json(file, 2, false).write(List.of(), FILE_CALLS);

    assertThat(Files.readString(file), equalTo("[]"));
  }

  @Test
  void jsonlFormatWritesPythonsJsonDumpBytesOneLineEach() throws IOException {
    Path file = dir.resolve("out.jsonl");

    jsonl(file, false).write(pythonRows(), FILE_CALLS);

    assertThat(Files.readString(file), equalTo(PY_ROW_1 + "\n" + PY_ROW_2 + "\n"));
  }

  @Test
  void jsonFormatWritesOneArrayOfTheRowsInOrder() throws IOException {
    Path file = dir.resolve("out.json");

    json(file, -1, false)
        .write(List.of(row("id", 1L, "name", "a"), row("id", 2L, "name", "b")), FILE_CALLS);

    assertThat(
        CanonicalJson.parse(Files.readString(file)),
        equalTo(List.of(row("id", 1L, "name", "a"), row("id", 2L, "name", "b"))));
  }

  @Test
  void jsonFormatWithoutIndentIsOneLine() throws IOException {
    Path file = dir.resolve("out.json");

    json(file, -1, false).write(List.of(row("id", 1L), row("id", 2L)), FILE_CALLS);

    assertThat(Files.readAllLines(file), hasSize(1));
  }

  @Test
  void jsonFormatWithIndentPutsEachItemOnItsOwnIndentedLines() throws IOException {
    Path file = dir.resolve("out.json");

    json(file, 2, false).write(List.of(row("id", 1L), row("id", 2L)), FILE_CALLS);

    List<String> lines = Files.readAllLines(file);
    assertThat(lines.get(0), is("["));
    assertThat(lines.get(1), is("  {"));
    assertThat(lines.get(2), containsString("    \"id\""));
    assertThat(lines.get(lines.size() - 1), is("]"));
    assertThat(
        CanonicalJson.parse(Files.readString(file)),
        equalTo(List.of(row("id", 1L), row("id", 2L))));
  }

  @Test
  void jsonFormatKeepsNestedAndNullValues() throws IOException {
    Path file = dir.resolve("out.json");
    Map<String, Object> value = row("n", null, "b", true, "m", row("k", List.of(1L, 2.5d)));

    json(file, -1, false).write(List.of(value), FILE_CALLS);

    assertThat(CanonicalJson.parse(Files.readString(file)), equalTo(List.of(value)));
  }

  @Test
  void jsonFormatWithNoRowsWritesAnEmptyArray() throws IOException {
    Path file = dir.resolve("out.json");

    json(file, -1, false).write(List.of(), FILE_CALLS);

    assertThat(CanonicalJson.parse(Files.readString(file)), equalTo(List.of()));
  }

  @Test
  void jsonlFormatWritesOneObjectPerLine() throws IOException {
    Path file = dir.resolve("out.jsonl");

    jsonl(file, false).write(List.of(row("id", 1L), row("id", 2L, "x", "y")), FILE_CALLS);

    assertThat(lines(file), contains(row("id", 1L), row("id", 2L, "x", "y")));
  }

  @Test
  void jsonlFormatWithNoRowsWritesAnEmptyFile() throws IOException {
    Path file = dir.resolve("out.jsonl");

    jsonl(file, false).write(List.of(), FILE_CALLS);

    assertThat(Files.size(file), is(0L));
  }

  @Test
  void writeModeReplacesAnExistingFile() throws IOException {
    Path file = dir.resolve("out.jsonl");
    Files.writeString(file, "{\"old\": 1}\n");

    jsonl(file, false).write(List.of(row("id", 1L)), FILE_CALLS);

    assertThat(lines(file), contains(row("id", 1L)));
  }

  @Test
  void jsonlAppendModeKeepsExistingLines() throws IOException {
    Path file = dir.resolve("out.jsonl");
    jsonl(file, false).write(List.of(row("id", 1L)), FILE_CALLS);

    jsonl(file, true).write(List.of(row("id", 2L)), FILE_CALLS);

    assertThat(lines(file), contains(row("id", 1L), row("id", 2L)));
  }

  @Test
  void jsonAppendModeKeepsExistingItemsFirst() throws IOException {
    Path file = dir.resolve("out.json");
    json(file, 2, false).write(List.of(row("id", 1L)), FILE_CALLS);

    json(file, 2, true).write(List.of(row("id", 2L)), FILE_CALLS);

    assertThat(
        CanonicalJson.parse(Files.readString(file)),
        equalTo(List.of(row("id", 1L), row("id", 2L))));
  }

  @Test
  void jsonAppendToAFileThatIsNotAnArrayFailsAndLeavesItUnchanged() throws IOException {
    Path file = dir.resolve("out.json");
    Files.writeString(file, "{\"not\": \"an array\"}");

    IOException e =
        assertThrows(
            IOException.class,
            () -> json(file, -1, true).write(List.of(row("id", 1L)), FILE_CALLS));

    assertThat(e.getMessage(), containsString("does not hold a JSON array"));
    assertThat(Files.readString(file), is("{\"not\": \"an array\"}"));
  }

  @Test
  void artifactHashIsTheSha256OfTheFileBytesAndSizeIsTheFileSize() throws Exception {
    Path file = dir.resolve("out.json");

    SinkWriter.Artifact artifact = json(file, 4, false).write(List.of(row("id", 1L)), FILE_CALLS);

    byte[] bytes = Files.readAllBytes(file);
    assertThat(
        artifact.contentHash(),
        is(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))));
    assertThat(artifact.sizeBytes(), is((long) bytes.length));
    assertThat(Path.of(artifact.pathOrUri()), is(file.toAbsolutePath()));
  }

  @Test
  void writingIntoAMissingFolderCreatesIt() throws IOException {
    Path file = dir.resolve("nested").resolve("deeper").resolve("out.jsonl");

    jsonl(file, false).write(List.of(row("id", 1L)), FILE_CALLS);

    assertThat(lines(file), contains(row("id", 1L)));
  }

  @Test
  void noTemporaryFilesAreLeftBehind() throws IOException {
    Path file = dir.resolve("out.json");

    json(file, -1, false).write(List.of(row("id", 1L)), FILE_CALLS);
    json(file, -1, true).write(List.of(row("id", 2L)), FILE_CALLS);

    try (Stream<Path> files = Files.list(dir)) {
      assertThat(
          files.map(p -> p.getFileName().toString()).toList(), containsInAnyOrder("out.json"));
    }
  }

  @Test
  void nonFiniteNumbersCannotBeWrittenAnywhereInTheRow() {
    JsonSinkWriter w = jsonl(dir.resolve("o.jsonl"), false);

    assertThat(
        w.cannotWrite(row("id", 1L, "score", Double.NaN)).orElseThrow(),
        containsString("the value at 'score' is not a finite number, which JSON cannot hold"));
    assertThat(
        w.cannotWrite(row("id", 1L, "scores", List.of(1.0, Double.POSITIVE_INFINITY)))
            .orElseThrow(),
        containsString("'scores[1]'"));
    assertThat(
        w.cannotWrite(row("id", 1L, "m", Map.of("x", Double.NEGATIVE_INFINITY))).orElseThrow(),
        containsString("'m.x'"));
    assertThat(
        w.cannotWrite(row("id", 1L, "score", 1.5, "m", Map.of("x", List.of()))).isPresent(),
        is(false));
  }

  @Test
  void textTheEncodingCannotHoldCannotBeWritten() {
    JsonSinkWriter latin1 =
        new JsonSinkWriter(
            dir.resolve("o.json").toString(), JsonSinkWriter.Format.JSON, 0, "iso-8859-1", false);
    JsonSinkWriter utf8 = jsonl(dir.resolve("o.jsonl"), false);

    assertThat(latin1.cannotWrite(row("id", 1L, "name", "caf\u00e9")).isPresent(), is(false));
    assertThat(
        latin1.cannotWrite(row("id", 1L, "name", "\u20ac5")).orElseThrow(),
        containsString("field 'name' (its name or value) cannot be encoded in ISO-8859-1"));
    assertThat(
        utf8.cannotWrite(row("id", 1L, "note", List.of("ok", "\udc00"))).orElseThrow(),
        containsString("field 'note'"));
  }
}
