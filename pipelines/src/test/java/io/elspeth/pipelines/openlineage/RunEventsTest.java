package io.elspeth.pipelines.openlineage;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.elspeth.connectors.lineage.DatasetName;
import io.elspeth.connectors.schema.FieldSpec;
import io.elspeth.connectors.schema.FieldType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The events ELSPETH writes are valid OpenLineage 2-0-2 run events, facets included. */
class RunEventsTest {
  private static final String RUN_ID = "0192f0c3a1b27cde8f00112233445566";
  private static final List<FieldSpec> FIELDS =
      List.of(
          new FieldSpec("id", FieldType.INT, true), new FieldSpec("text", FieldType.STR, false));

  private static RunEvents events() {
    return new RunEvents(
        "elspeth",
        "sentiment",
        "Scores reviews",
        "sha256:abc",
        "http://127.0.0.1:8765",
        new RunDatasets(
            Optional.of(LineageDataset.of(DatasetName.file("/data/in.csv"), FIELDS)),
            Map.of(
                "out",
                LineageDataset.of(
                    new DatasetName("postgresql", List.of("//db.example:5433/audit", "scores")),
                    FIELDS))));
  }

  private static String json(ObjectNode n) {
    return n.toString();
  }

  @Test
  void everyEventTypeIsAValidRunEvent() {
    RunEvents events = events();
    Instant at = Instant.parse("2026-12-07T10:15:30.123Z");
    for (ObjectNode e :
        List.of(
            events.start(RUN_ID, at),
            events.running(RUN_ID, at, 10),
            events.ended(RUN_ID, at, null, 10, Map.of("out", 9L)),
            events.ended(RUN_ID, at, "sink 'out' failed", 10, null),
            events.aborted(RUN_ID, at))) {
      assertThat(e.path("eventType").asText(), OpenLineageSchemaCheck.problems(json(e)), empty());
    }
  }

  @Test
  void completeCarriesCountsRunIdentityAndConsoleLink() {
    JsonNode e = events().ended(RUN_ID, Instant.now(), null, 10, Map.of("out", 9L));
    assertThat(e.path("eventType").asText(), is("COMPLETE"));
    assertThat(e.at("/run/runId").asText(), is("0192f0c3-a1b2-7cde-8f00-112233445566"));
    assertThat(e.at("/run/facets/elspeth/landscapeRunId").asText(), is(RUN_ID));
    assertThat(
        e.at("/run/facets/elspeth/consoleUrl").asText(),
        is("http://127.0.0.1:8765/runs/" + RUN_ID));
    assertThat(e.at("/job/facets/elspeth/settingsHash").asText(), is("sha256:abc"));
    assertThat(e.at("/job/facets/documentation/description").asText(), is("Scores reviews"));
    assertThat(e.at("/inputs/0/inputFacets/inputStatistics/rowCount").asLong(), is(10L));
    assertThat(e.at("/outputs/0/outputFacets/outputStatistics/rowCount").asLong(), is(9L));
    assertThat(e.at("/outputs/0/namespace").asText(), is("postgres://db.example:5433"));
    assertThat(e.at("/outputs/0/name").asText(), is("audit.public.scores"));
    assertThat(e.at("/inputs/0/facets/schema/fields/1/name").asText(), is("text"));
    assertThat(e.at("/inputs/0/facets/schema/fields/1/type").asText(), is("str"));
  }

  @Test
  void failCarriesTheErrorAndStartNoCounts() {
    RunEvents events = events();
    JsonNode fail = events.ended(RUN_ID, Instant.now(), "boom", 3, null);
    assertThat(fail.path("eventType").asText(), is("FAIL"));
    assertThat(fail.at("/run/facets/errorMessage/message").asText(), is("boom"));
    assertThat(fail.at("/outputs/0/outputFacets").isMissingNode(), is(true));
    JsonNode start = events.start(RUN_ID, Instant.now());
    assertThat(start.at("/inputs/0/inputFacets").isMissingNode(), is(true));
  }

  @Test
  void theSchemaCheckRejectsABrokenEvent() {
    ObjectNode e = events().start(RUN_ID, Instant.now());
    ((ObjectNode) e.get("run")).put("runId", "not-a-uuid");
    e.put("eventType", "DONE");
    ((ObjectNode) e.at("/inputs/0/facets/schema/fields/0")).remove("name");
    List<String> problems = OpenLineageSchemaCheck.problems(json(e));
    assertThat(problems, hasItem(startsWith("event: ")));
    assertThat(problems.toString(), problems.stream().anyMatch(p -> p.contains("runId")), is(true));
    assertThat(
        problems.toString(), problems.stream().anyMatch(p -> p.contains("eventType")), is(true));
    assertThat(
        problems.toString(),
        problems.stream().anyMatch(p -> p.startsWith("inputs[0].facets.schema")),
        is(true));
  }

  @Test
  void aRunIdThatIsNotAUuidGetsAStableNameBasedOne() {
    String a = RunEvents.openLineageRunId("run-1");
    assertThat(a, is(RunEvents.openLineageRunId("run-1")));
    assertThat(a, not(RunEvents.openLineageRunId("run-2")));
  }

  @Test
  void datasetsFollowOpenLineageNaming() {
    assertThat(
        List.of(
            name(DatasetName.azureBlob("https://acct.blob.core.windows.net", "raw", "in/a.csv")),
            name(DatasetName.azureBlob("http://127.0.0.1:10000/devstoreaccount1", "raw", "a.csv")),
            name(new DatasetName("postgresql", List.of("//h/db", "s.t"))),
            name(new DatasetName("sqlite", List.of("///tmp/x/../out.db", "results"))),
            name(DatasetName.file("/tmp/a/../b.csv"))),
        contains(
            "wasbs://raw@acct.dfs.core.windows.net in/a.csv",
            "wasbs://raw@devstoreaccount1.dfs.core.windows.net a.csv",
            "postgres://h:5432 db.s.t",
            "sqlite:///tmp/out.db results",
            "file /tmp/b.csv"));
  }

  private static String name(DatasetName d) {
    LineageDataset l = LineageDataset.of(d, List.of());
    return l.namespace() + " " + l.name();
  }
}
