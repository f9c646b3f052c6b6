package io.elspeth.connectors.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.elspeth.connectors.source.CsvRecordReader;
import io.elspeth.connectors.source.FileSource;
import io.elspeth.connectors.source.JsonRecordReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ELSPETH's first-row inference ({@code ContractBuilder.process_first_row} with {@code
 * normalize_type_for_contract}) and its locked contract's check of later rows ({@code
 * SchemaContract.validate}).
 */
class InferredFieldsTest {
  @TempDir Path dir;

  private static SchemaSpec schema(String json) throws Exception {
    return SchemaSpec.parse(new ObjectMapper().readTree(json)).spec();
  }

  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  @Test
  void everyUndeclaredFieldOfTheFirstRowIsInferredWithItsPythonType() throws Exception {
    InferredFields f =
        InferredFields.of(
            schema("{\"mode\": \"free\", \"fields\": [\"id: int\"]}"),
            row(
                "id",
                1L,
                "name",
                "a",
                "score",
                2.5,
                "ok",
                true,
                "tags",
                List.of("x"),
                "note",
                null,
                "meta",
                Map.of("k", 1L)),
            Map.of());
    assertThat(
        f.types(),
        equalTo(
            row(
                "name",
                "str",
                "score",
                "float",
                "ok",
                "bool",
                "tags",
                "object",
                "note",
                "NoneType",
                "meta",
                "object")));
    assertThat(
        "the declared field keeps its declared type; only extras are inferred",
        f.types().containsKey("id"),
        is(false));
  }

  @Test
  void aFixedSchemaOrASourceWithoutAValidRowInfersNothing() throws Exception {
    assertThat(
        InferredFields.of(
                schema("{\"mode\": \"strict\", \"fields\": [\"id: int\"]}"),
                row("id", 1L, "x", "y"),
                Map.of())
            .types(),
        equalTo(Map.of()));
    assertThat(InferredFields.of(SchemaSpec.dynamic(), null, Map.of()).types(), equalTo(Map.of()));
  }

  @Test
  void laterRowsAreHeldToTheInferredTypesAsElspethsLockedContractHoldsThem() {
    InferredFields f =
        InferredFields.of(
            SchemaSpec.dynamic(),
            row("amount", 5L, "name", "a", "note", null, "meta", Map.of()),
            Map.of("Amount (USD)", "amount"));
    assertThat(f.problem(row("amount", 7L, "name", "b")), nullValue());
    assertThat(
        "an inferred field may be missing or null", f.problem(row("amount", null)), nullValue());
    assertThat("object takes any value", f.problem(row("meta", "text")), nullValue());
    assertThat(
        f.problem(row("amount", "7", "name", 3L)),
        equalTo(
            "Field 'Amount (USD)' (amount) expected type 'int', got 'str';"
                + " Field 'name' (name) expected type 'str', got 'int'"));
    assertThat(
        "a field null in the first row is NoneType: a value later is a mismatch, as in ELSPETH",
        f.problem(row("note", "now set")),
        equalTo("Field 'note' (note) expected type 'NoneType', got 'str'"));
    assertThat(
        "a float where the first row had an int is another type, as Python's are",
        f.problem(row("amount", 7.0)),
        equalTo("Field 'Amount (USD)' (amount) expected type 'int', got 'float'"));
  }

  @Test
  void theFirstValidRowOfAFileIsTheOneInferredFrom() throws Exception {
    Path jsonl = dir.resolve("in.jsonl");
    Files.writeString(jsonl, "{not json\n{\"id\": 1, \"v\": 2.5}\n{\"id\": \"x\", \"v\": 1}\n");
    InferredFields f =
        FileSource.inferredFields(
            jsonl.toString(),
            new JsonRecordReader(JsonRecordReader.Format.JSONL, null, "utf-8"),
            SchemaSpec.dynamic());
    assertThat(f.types(), equalTo(row("id", "int", "v", "float")));

    Path csv = dir.resolve("in.csv");
    Files.writeString(csv, "Customer ID,Amount (USD)\n1,5\n");
    InferredFields c =
        FileSource.inferredFields(
            csv.toString(),
            new CsvRecordReader(',', "utf-8", 0, List.of(), true, Map.of()),
            SchemaSpec.dynamic());
    assertThat(
        "CSV values are text; the original headers are kept for the contract",
        c.types(),
        equalTo(row("customer_id", "str", "amount_usd", "str")));
    assertThat(c.originalName("amount_usd"), equalTo("Amount (USD)"));
  }
}
