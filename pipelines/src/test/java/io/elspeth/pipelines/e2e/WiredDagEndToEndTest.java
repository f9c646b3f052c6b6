package io.elspeth.pipelines.e2e;

import static io.elspeth.pipelines.e2e.CliHarness.count;
import static io.elspeth.pipelines.e2e.CliHarness.query;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
 * Current-format pipelines whose connections form a DAG rather than a chain, run through the CLI: a
 * tree of gates, a gate reading a coalesce's merged rows, and transforms on fork branches with a
 * gate after the coalesce (the three shapes of ELSPETH's {@code deep_routing} and {@code
 * fork_coalesce} examples, each written here with its own content). Each run puts every row where
 * ELSPETH's engine would, records one terminal outcome per token, and reconciles.
 */
@Tag("e2e")
class WiredDagEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path run(String name) throws Exception {
    Files.writeString(dir.resolve("parcels.csv"), resource("parcels.csv"));
    Path settings = CliHarness.settings(dir, resource(name).replace("@DIR@", dir.toString()));
    CliHarness.Result r = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(r.err(), r.exitCode(), is(0));
    return dir;
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = WiredDagEndToEndTest.class.getResourceAsStream("/wired-dag/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The first column of a CSV sink's rows (header left out). */
  private List<String> ids(String file) throws Exception {
    List<String> lines = Files.readAllLines(dir.resolve(file));
    return lines.subList(1, lines.size()).stream().map(l -> l.split(",")[0]).toList();
  }

  private List<JsonNode> jsonl(String file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve(file))) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  @Test
  void aTreeOfGatesRoutesEveryRowDownItsBranch() throws Exception {
    run("gate-tree.yaml");
    assertThat(ids("quarantine.csv"), equalTo(List.of("2", "6")));
    assertThat(ids("light.csv"), equalTo(List.of("5", "10")));
    assertThat(ids("priority_other.csv"), equalTo(List.of("4")));
    assertThat(ids("long_air.csv"), equalTo(List.of("3")));
    assertThat(ids("short_air.csv"), equalTo(List.of("1", "7")));
    assertThat(ids("oversize.csv"), equalTo(List.of("9")));
    assertThat(ids("review.csv"), equalTo(List.of("8")));
    assertThat(
        "the three transforms ran before the gates",
        Files.readAllLines(dir.resolve("long_air.csv")),
        equalTo(
            List.of(
                "parcel_id,sender_name,weight_kg,priority,service,distance_km,notes",
                "3,Chen,25,720,air,2500,long haul pa...")));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(
              Map.of(
                  "routed@quarantine",
                  2L,
                  "routed@light",
                  2L,
                  "routed@priority_other",
                  1L,
                  "routed@long_air",
                  1L,
                  "routed@short_air",
                  2L,
                  "routed@oversize",
                  1L,
                  "routed@review",
                  1L)));
      // Every gate decision has its routing event (the quarantined rows their divert one); a
      // route to a further gate is recorded on the edge of its label, as ELSPETH's executor does.
      assertThat(
          count(c, "SELECT COUNT(*) FROM routing_events WHERE mode = 'move'"),
          is(8L + 6 + 4 + 3 + 2));
      assertThat(count(c, "SELECT COUNT(*) FROM routing_events WHERE mode = 'divert'"), is(2L));
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM routing_events e JOIN edges d ON d.edge_id ="
                  + " e.edge_id JOIN nodes n ON n.node_id = d.to_node_id WHERE n.node_type = 'gate'"),
          is(6L + 4 + 3 + 2));
      assertThat(
          "steps are numbered in the order rows reach them: the last gate of the tree"
              + " after the four before it",
          ((Number)
                  query(
                          c,
                          "SELECT step_index FROM node_states s"
                              + " JOIN nodes n ON n.node_id = s.node_id WHERE n.plugin_name ="
                              + " 'config_gate:by_distance' LIMIT 1")
                      .get(0)
                      .get("step_index"))
              .intValue(),
          is(8));
    }
  }

  @Test
  void aGateReadsTheMergedRowsOfACoalesce() throws Exception {
    run("fork-then-gate.yaml");
    List<JsonNode> heavy = jsonl("merged.jsonl");
    List<JsonNode> light = jsonl("merged_light.jsonl");
    assertThat(
        heavy.stream().map(n -> n.get("left").get("id").asInt()).toList(),
        equalTo(List.of(3, 4, 7, 8, 9)));
    assertThat(
        light.stream().map(n -> n.get("left").get("id").asInt()).toList(),
        equalTo(List.of(1, 2, 5, 6, 10)));
    JsonNode first = light.get(0);
    assertThat(
        "both branches carry the transformed row",
        first.get("right").get("notes").asText(),
        equalTo("fragile..."));
    assertThat(first.get("left"), equalTo(first.get("right")));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(
              Map.of(
                  "forked",
                  10L,
                  "coalesced",
                  20L,
                  "routed@merged",
                  5L,
                  "routed@merged_light",
                  5L)));
      forkAndJoinParentage(c);
    }
  }

  @Test
  void transformsRunOnForkBranchesAndAGateAfterTheCoalesce() throws Exception {
    run("branch-steps.yaml");
    List<JsonNode> heavy = jsonl("merged.jsonl");
    List<JsonNode> light = jsonl("merged_light.jsonl");
    assertThat(
        heavy.stream().map(n -> n.get("ids_path").get("parcel_id").asInt()).toList(),
        equalTo(List.of(3, 4, 7, 8, 9)));
    assertThat(
        light.stream().map(n -> n.get("ids_path").get("parcel_id").asInt()).toList(),
        equalTo(List.of(1, 2, 5, 6, 10)));
    JsonNode first = light.get(0);
    assertThat(
        "each branch ran its own transform",
        first.get("notes_path").get("notes").asText(),
        equalTo("fragile~"));
    assertThat(
        JSON.convertValue(first.get("ids_path"), Map.class),
        equalTo(Map.of("parcel_id", 1, "kg", 12)));
    try (Connection c = CliHarness.landscape(dir.resolve("landscape.db"))) {
      LandscapeInvariants.assertReconciles(c);
      assertThat(
          LandscapeInvariants.outcomes(c),
          equalTo(
              Map.of(
                  "forked",
                  10L,
                  "coalesced",
                  20L,
                  "routed@merged",
                  5L,
                  "routed@merged_light",
                  5L)));
      forkAndJoinParentage(c);
      assertThat(
          "each branch's transform saw only its own children",
          count(
              c,
              "SELECT COUNT(*) FROM node_states s JOIN nodes n ON n.node_id = s.node_id JOIN tokens t"
                  + " ON t.token_id = s.token_id WHERE n.plugin_name = 'truncate'"
                  + " AND t.branch_name = 'notes_path'"),
          is(10L));
      assertThat(
          count(
              c,
              "SELECT COUNT(*) FROM edges d JOIN nodes n ON n.node_id ="
                  + " d.to_node_id WHERE d.label IN ('notes_path', 'ids_path')"
                  + " AND n.node_type = 'transform' AND d.default_mode = 'move'"),
          is(2L));
    }
  }

  /** Two children per forked row, and one merged token whose parents are those children. */
  private static void forkAndJoinParentage(Connection c) throws Exception {
    assertThat(count(c, "SELECT COUNT(*) FROM tokens WHERE branch_name IS NOT NULL"), is(20L));
    assertThat(count(c, "SELECT COUNT(*) FROM tokens WHERE join_group_id IS NOT NULL"), is(10L));
    assertThat(
        "every merged token's parents are the two children of one fork",
        count(
            c,
            "SELECT COUNT(*) FROM tokens m WHERE m.join_group_id IS NOT NULL AND (SELECT"
                + " COUNT(DISTINCT f.parent_token_id) FROM token_parents p JOIN token_parents f ON"
                + " f.token_id = p.parent_token_id WHERE p.token_id = m.token_id) <> 1"),
        is(0L));
  }
}
