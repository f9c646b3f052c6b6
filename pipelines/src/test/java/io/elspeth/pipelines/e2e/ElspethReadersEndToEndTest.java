package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.in;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Landscape written by a real run through the launcher, on SQLite and on PostgreSQL, meets what
 * ELSPETH's own readers (RC2 and current) require of a database they open and query ({@link
 * ElspethReaderExpectations}, written down from ELSPETH's code): its tables, the columns and
 * foreign keys its opener checks, its SQLite schema epoch, enum values each version knows, and
 * schema contracts in the shape of ELSPETH's {@code ContractAuditRecord} whose {@code version_hash}
 * ELSPETH would recompute to the same value. The run quarantines a row, routes a transform error to
 * a sink and completes the rest, so every kind of record a reader trips over (divert edges and
 * events, transform and validation errors) is there.
 */
@Tag("e2e")
class ElspethReadersEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void sqliteLandscapeMeetsWhatElspethsReadersRequire() throws Exception {
    Path db = dir.resolve("landscape.db");
    run("sqlite:///" + db);
    try (Connection c = CliHarness.landscape(db)) {
      assertReadable(c, true);
      // ELSPETH current opens SQLite Landscapes of epoch 0 (stamping them) or its own.
      long epoch = CliHarness.count(c, "PRAGMA user_version");
      assertThat(ElspethReaderExpectations.CURRENT.sqliteEpochs().contains((int) epoch), is(true));
      // ELSPETH's connections enforce foreign keys (PRAGMA foreign_keys=ON): every declared key
      // holds for every stored row.
      assertThat(CliHarness.query(c, "PRAGMA foreign_key_check"), empty());
      // What ELSPETH current's opener does to it: stamp its schema epoch.
      try (java.sql.Statement st = c.createStatement()) {
        st.execute("PRAGMA user_version = 2");
      }
    }
    // Our own tools read it on after ELSPETH has opened it.
    CliHarness.Result explain =
        CliHarness.run("explain", "--run", "latest", "--row", "2", "--database", "sqlite:///" + db);
    assertThat(explain.err(), explain.exitCode(), is(0));
    assertThat(explain.out(), org.hamcrest.Matchers.containsString("(divert)"));
  }

  @Test
  void postgresqlLandscapeMeetsWhatElspethsReadersRequire() throws Exception {
    try (CliHarness.PgSchema schema = new CliHarness.PgSchema()) {
      run(schema.url());
      try (Connection c = schema.connect()) {
        assertReadable(c, false);
      }
    }
  }

  private void run(String landscapeUrl) throws Exception {
    Files.writeString(
        dir.resolve("input.csv"),
        """
        id,message
        1,hello there
        2,my password is swordfish
        x,not a number
        4,good bye
        """);
    Path settings =
        CliHarness.settings(
            dir,
            """
        source:
          plugin: csv
          options:
            path: %1$s/input.csv
            schema:
              mode: strict
              fields: ["id: int", "message: str"]
            on_validation_failure: quarantine
        transforms:
          - plugin: keyword_filter
            options:
              fields: message
              blocked_patterns: ["(?i)password"]
              schema:
                mode: free
                fields: ["message: str"]
              on_error: blocked
        sinks:
          clean:
            plugin: csv
            options:
              path: %1$s/clean.csv
          blocked:
            plugin: json
            options:
              path: %1$s/blocked.jsonl
          quarantine:
            plugin: csv
            options:
              path: %1$s/quarantine.csv
        default_sink: clean
        landscape:
          url: "%2$s"
        """
                .formatted(dir, landscapeUrl));
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
  }

  private static void assertReadable(Connection c, boolean sqlite) throws Exception {
    for (ElspethReaderExpectations elspeth :
        List.of(ElspethReaderExpectations.RC2, ElspethReaderExpectations.CURRENT)) {
      Set<String> tables = tables(c);
      assertThat(elspeth.name() + " tables", elspeth.tables(), everyItem(in(tables)));
      for (List<String> column : elspeth.requiredColumns()) {
        assertThat(
            elspeth.name() + " column " + column,
            columns(c, column.get(0)).contains(column.get(1)),
            is(true));
      }
      for (List<String> fk : elspeth.requiredForeignKeys()) {
        if (sqlite) {
          // ELSPETH's check: a declared key has the column among its columns and references the
          // table (it checks SQLite only; PostgreSQL is left to its migrations).
          assertThat(
              elspeth.name() + " foreign key " + fk,
              CliHarness.count(
                  c,
                  "SELECT COUNT(*) FROM pragma_foreign_key_list('"
                      + fk.get(0)
                      + "') WHERE \"from\" = '"
                      + fk.get(1)
                      + "' AND \"table\" = '"
                      + fk.get(2)
                      + "'"),
              is(1L));
        }
      }
      Map<String, Set<String>> unknown = unknownValues(c, elspeth);
      if (elspeth == ElspethReaderExpectations.CURRENT) {
        assertThat(elspeth.name() + " knows every value", unknown, equalTo(Map.of()));
      } else {
        // RC2 has no divert routing mode: the quarantine and error edges and their routing
        // events are the values it cannot convert (docs/elspeth-compatibility.md).
        assertThat(
            elspeth.name() + " unknown values",
            unknown,
            equalTo(
                Map.of(
                    "edges.default_mode",
                    Set.of("divert"),
                    "routing_events.mode",
                    Set.of("divert"))));
      }
    }
    // The references the foreign keys stand for hold on both databases.
    assertThat(
        CliHarness.count(
            c,
            "SELECT COUNT(*) FROM transform_errors e WHERE NOT EXISTS"
                + " (SELECT 1 FROM tokens t WHERE t.token_id = e.token_id AND t.run_id = e.run_id)"),
        is(0L));
    assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM transform_errors"), is(1L));
    assertThat(CliHarness.count(c, "SELECT COUNT(*) FROM validation_errors"), is(1L));
    assertContracts(c);
  }

  /** Values of enum columns the version cannot convert, by column. */
  private static Map<String, Set<String>> unknownValues(
      Connection c, ElspethReaderExpectations elspeth) throws Exception {
    Map<String, Set<String>> unknown = new TreeMap<>();
    for (Map.Entry<String, Set<String>> e : elspeth.enumValues().entrySet()) {
      String[] tc = e.getKey().split("\\.");
      for (Map<String, Object> row :
          CliHarness.query(
              c,
              "SELECT DISTINCT "
                  + tc[1]
                  + " AS v FROM "
                  + tc[0]
                  + " WHERE "
                  + tc[1]
                  + " IS NOT NULL")) {
        String v = String.valueOf(row.get("v"));
        if (!e.getValue().contains(v)) {
          unknown.computeIfAbsent(e.getKey(), k -> new TreeSet<>()).add(v);
        }
      }
    }
    return unknown;
  }

  private static void assertContracts(Connection c) throws Exception {
    Map<String, Object> run =
        CliHarness.query(c, "SELECT schema_contract_json, schema_contract_hash FROM runs").get(0);
    JsonNode contract = assertContract((String) run.get("schema_contract_json"));
    assertThat(contract.get("version_hash").asText(), equalTo(run.get("schema_contract_hash")));
    // The strict source's declared fields, locked, as ELSPETH records a fixed schema.
    assertThat(contract.get("mode").asText(), equalTo("FIXED"));
    assertThat(contract.get("locked").asBoolean(), is(true));
    assertThat(
        JSON.readTree(
            """
        [{"normalized_name":"id","original_name":"id","python_type":"int","required":true,
          "source":"declared","nullable":false},
         {"normalized_name":"message","original_name":"message","python_type":"str",
          "required":true,"source":"declared","nullable":false}]"""),
        equalTo(contract.get("fields")));

    Map<String, Map<String, Object>> nodes = new LinkedHashMap<>();
    for (Map<String, Object> n :
        CliHarness.query(
            c,
            "SELECT node_type, plugin_name,"
                + " input_contract_json, output_contract_json FROM nodes")) {
      nodes.put(n.get("node_type") + ":" + n.get("plugin_name"), n);
    }
    assertThat(
        nodes.get("source:csv").get("output_contract_json"),
        equalTo(run.get("schema_contract_json")));
    JsonNode filterInput =
        assertContract((String) nodes.get("transform:keyword_filter").get("input_contract_json"));
    assertThat(filterInput.get("mode").asText(), equalTo("FLEXIBLE"));
    assertThat(filterInput.get("locked").asBoolean(), is(false));
    for (Map<String, Object> n : nodes.values()) {
      for (String column : List.of("input_contract_json", "output_contract_json")) {
        if (n.get(column) != null) {
          assertContract((String) n.get(column));
        }
      }
    }
  }

  /**
   * Checks one contract JSON against ELSPETH's ContractAuditRecord.from_json and
   * to_schema_contract: the keys, mode, field keys, types and sources it accepts, and the
   * version_hash it recomputes (SHA-256 of the canonical JSON of mode, locked and the fields in
   * short form, sorted by name, first 32 hex characters).
   */
  private static JsonNode assertContract(String json) throws Exception {
    assertThat("contract JSON", json, notNullValue());
    JsonNode c = JSON.readTree(json);
    assertThat(names(c), equalTo(ElspethReaderExpectations.CONTRACT_KEYS));
    assertThat(c.get("mode").asText(), in(ElspethReaderExpectations.CONTRACT_MODES));
    assertThat(c.get("locked").isBoolean(), is(true));
    List<Map<String, Object>> shortForm = new ArrayList<>();
    String previous = "";
    for (JsonNode f : c.get("fields")) {
      assertThat(names(f), equalTo(ElspethReaderExpectations.CONTRACT_FIELD_KEYS));
      assertThat(f.get("python_type").asText(), in(ElspethReaderExpectations.CONTRACT_TYPES));
      assertThat(f.get("source").asText(), in(ElspethReaderExpectations.CONTRACT_SOURCES));
      assertThat(
          "fields sorted by name",
          f.get("normalized_name").asText().compareTo(previous) > 0,
          is(true));
      previous = f.get("normalized_name").asText();
      Map<String, Object> d = new TreeMap<>();
      d.put("n", f.get("normalized_name").asText());
      d.put("o", f.get("original_name").asText());
      d.put("t", f.get("python_type").asText());
      d.put("r", f.get("required").asBoolean());
      d.put("s", f.get("source").asText());
      d.put("nullable", f.get("nullable").asBoolean());
      shortForm.add(d);
    }
    Map<String, Object> content = new TreeMap<>();
    content.put("mode", c.get("mode").asText());
    content.put("locked", c.get("locked").asBoolean());
    content.put("fields", shortForm);
    // Keys sorted, no spaces: RFC 8785 for these ASCII strings and booleans.
    String canonical =
        JSON.copy()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .writeValueAsString(content);
    String hash =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)))
            .substring(0, 32);
    assertThat("version_hash of " + json, c.get("version_hash").asText(), equalTo(hash));
    return c;
  }

  private static Set<String> names(JsonNode node) {
    Set<String> names = new HashSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static Set<String> tables(Connection c) throws Exception {
    Set<String> names = new HashSet<>();
    DatabaseMetaData md = c.getMetaData();
    try (ResultSet rs = md.getTables(null, c.getSchema(), "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        names.add(rs.getString("TABLE_NAME"));
      }
    }
    return names;
  }

  private static Set<String> columns(Connection c, String table) throws Exception {
    Set<String> names = new HashSet<>();
    try (ResultSet rs = c.getMetaData().getColumns(null, c.getSchema(), table, "%")) {
      while (rs.next()) {
        names.add(rs.getString("COLUMN_NAME"));
      }
    }
    return names;
  }
}
