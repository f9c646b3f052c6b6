package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.query;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ELSPETH's contract inferred from the first valid row of a {@code flexible} or {@code observed}
 * source, through the CLI: the Landscape records it (run and source node, fields {@code source:
 * inferred}, locked) and later rows whose inferred fields change type are quarantined, as ELSPETH's
 * locked contract quarantines them.
 */
@Tag("e2e")
class SchemaInferenceEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void anObservedSourceRecordsTheContractOfItsFirstValidRowAndHoldsLaterRowsToIt()
      throws Exception {
    Files.writeString(
        dir.resolve("in.jsonl"),
        String.join(
            "\n",
            "{not json",
            "{\"id\": 1, \"amount\": 5, \"tag\": null, \"meta\": {\"k\": 1}}",
            "{\"id\": 2, \"amount\": 7, \"meta\": [1]}",
            "{\"id\": 3, \"amount\": \"seven\"}",
            "{\"id\": 4.5, \"amount\": 9, \"tag\": \"late\"}",
            "{\"id\": 5, \"amount\": null}",
            ""));
    Path settings =
        CliHarness.settings(
            dir,
            """
            source:
              plugin: json
              on_success: out
              options:
                path: "@DIR@/in.jsonl"
                format: jsonl
                schema: {mode: observed}
                on_validation_failure: bad
            sinks:
              out: {plugin: json, on_write_failure: discard, options: {path: "@DIR@/out.jsonl", format: jsonl, schema: {mode: observed}}}
              bad: {plugin: json, on_write_failure: discard, options: {path: "@DIR@/bad.jsonl", format: jsonl, schema: {mode: observed}}}
            landscape:
              url: "sqlite:///@DIR@/landscape.db"
            """
                .replace("@DIR@", dir.toString()));
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));

    // Rows 2 and 6 keep the first row's types (meta is object: anything; amount may be null).
    assertThat(CliHarness.lines(dir.resolve("out.jsonl")), hasSize(3));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      List<String> errors = new ArrayList<>();
      query(c, "SELECT error FROM validation_errors ORDER BY error")
          .forEach(m -> errors.add((String) m.get("error")));
      assertThat(errors, hasSize(3));
      assertThat(
          errors,
          hasItem(containsString("Field 'amount' (amount) expected type 'int', got 'str'")));
      assertThat(
          "two fields of one row, as ELSPETH joins its violations",
          errors,
          hasItem(
              containsString(
                  "Field 'id' (id) expected type 'int', got 'float';"
                      + " Field 'tag' (tag) expected type 'NoneType', got 'str'")));

      Map<String, Object> run =
          query(c, "SELECT schema_contract_json, schema_contract_hash FROM runs").get(0);
      JsonNode contract = JSON.readTree((String) run.get("schema_contract_json"));
      assertThat(contract.get("mode").asText(), equalTo("OBSERVED"));
      assertThat("locked after the first valid row", contract.get("locked").asBoolean(), is(true));
      assertThat(contract.get("version_hash").asText(), equalTo(run.get("schema_contract_hash")));
      List<String> fields = new ArrayList<>();
      contract
          .get("fields")
          .forEach(
              f ->
                  fields.add(
                      f.get("normalized_name").asText()
                          + ":"
                          + f.get("python_type").asText()
                          + ":"
                          + f.get("source").asText()
                          + ":"
                          + f.get("required").asBoolean()));
      assertThat(
          fields,
          equalTo(
              List.of(
                  "amount:int:inferred:false",
                  "id:int:inferred:false",
                  "meta:object:inferred:false",
                  "tag:NoneType:inferred:false")));
      assertThat(
          "the source node's output contract is the run's",
          query(c, "SELECT output_contract_json FROM nodes WHERE node_type = 'source'")
              .get(0)
              .get("output_contract_json"),
          equalTo(run.get("schema_contract_json")));
      assertThat(count(c, "SELECT COUNT(*) FROM rows"), is(6L));
      LandscapeInvariants.assertReconciles(c);
    }
  }
}
