package io.elspeth.audit.export;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.io.BufferedReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignedExportTest {
  private static final SigningKey KEY = SigningKey.of("test-key".getBytes(StandardCharsets.UTF_8));
  private static final Instant EXPORTED = Instant.parse("2026-02-01T00:00:00Z");

  @TempDir Path dir;
  LandscapeStore store;

  @BeforeEach
  void landscape() {
    store = LandscapeStore.open(LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db")));
    ExportFixture.commitRun(
        store,
        "run-a",
        "completed",
        ExportFixture.T0,
        ExportFixture.T0.plusSeconds(1),
        Arrays.asList(null, null),
        null);
    ExportFixture.commitRun(
        store,
        "run-b",
        "completed",
        ExportFixture.T0.plusSeconds(5),
        ExportFixture.T0.plusSeconds(6),
        Arrays.asList((String) null),
        null);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private List<Map<String, Object>> records(String runId) throws Exception {
    try (Connection c = store.connection()) {
      return LandscapeExporter.exportRun(c, runId);
    }
  }

  private String export(String runId, SigningKey key) throws Exception {
    StringWriter out = new StringWriter();
    ExportWriter.write(runId, records(runId), out, key, EXPORTED);
    return out.toString();
  }

  private static ExportVerifier.Verification verify(String text, SigningKey key) throws Exception {
    return ExportVerifier.verify(new BufferedReader(new StringReader(text)), key);
  }

  @Test
  void exportsOneRunInElspethsDeterministicRecordOrder() throws Exception {
    List<Object> types = records("run-a").stream().map(r -> r.get("record_type")).toList();

    assertThat(
        types,
        contains(
            "run",
            "node",
            "node",
            "node",
            "node",
            "edge",
            "edge",
            "edge",
            "operation",
            "call",
            "row",
            "token",
            "token_outcome",
            "node_state",
            "node_state",
            "node_state",
            "row",
            "token",
            "token_outcome",
            "node_state",
            "node_state",
            "routing_event",
            "node_state",
            "artifact"));
  }

  @Test
  void recordsCarryParsedJsonAndIsoTimesAndNothingOfAnotherRun() throws Exception {
    List<Map<String, Object>> records = records("run-a");

    Map<String, Object> run = records.get(0);
    assertThat(run.get("settings"), is(Map.of("source", Map.of("plugin", "csv"))));
    assertThat(run.get("started_at"), is("2026-01-31T12:00:00.123456Z"));
    assertThat(run, not(hasKey("settings_json")));
    assertThat(
        records.stream()
            .map(r -> CanonicalJson.canonicalize(r))
            .filter(s -> s.contains("run-b"))
            .toList(),
        empty());
  }

  @Test
  void aSignedExportVerifiesAndTwoExportsShareTheirHashChain() throws Exception {
    String first = export("run-a", KEY);
    String second = export("run-a", KEY);

    ExportVerifier.Verification v = verify(first, KEY);
    assertThat(v.message(), v.valid(), is(true));
    assertThat(v.recordCount(), is(24L));
    assertThat(v.runId(), is("run-a"));
    String[] lines = first.split("\n");
    assertThat(lines[lines.length - 1], containsString("\"record_type\":\"manifest\""));
    assertThat(List.of(lines), everyItem(containsString("\"signature\":\"")));
    assertThat(manifest(first).get("final_hash"), is(manifest(second).get("final_hash")));
    assertThat(manifest(first).get("record_count"), is(24L));
  }

  @Test
  void anotherKeyGivesAnotherChainAndFailsVerification() throws Exception {
    SigningKey other = SigningKey.of("other".getBytes(StandardCharsets.UTF_8));
    String signed = export("run-a", KEY);

    assertThat(
        manifest(export("run-a", other)).get("final_hash"),
        not(manifest(signed).get("final_hash")));
    ExportVerifier.Verification v = verify(signed, other);
    assertThat(v.valid(), is(false));
    // Every signature fails: the key is the likelier culprit, and the message says so.
    assertThat(v.message(), containsString("no signature in the file matches"));
    assertThat(
        v.message(),
        containsString("the key is probably not the one the export was" + " signed with"));
  }

  @Test
  void withTheRightKeyOneAlteredFirstRecordIsNamedNotTheKey() throws Exception {
    String[] lines = export("run-a", KEY).split("\n");
    lines[0] = lines[0].replace("\"run_id\":\"run-a\"", "\"run_id\":\"run-A\"");
    ExportVerifier.Verification v = verify(String.join("\n", lines) + "\n", KEY);
    assertThat(v.valid(), is(false));
    assertThat(v.line(), is(1));
    assertThat(v.message(), containsString("line 1 (run run_id=run-A) was altered"));
  }

  @Test
  void changingOneByteNamesTheAlteredRecord() throws Exception {
    String[] lines = export("run-a", KEY).split("\n");
    int target = 13; // the first row's source node state (0-based line 13)
    assertThat(lines[target], containsString("\"record_type\":\"node_state\""));
    lines[target] = lines[target].replace("\"status\":\"completed\"", "\"status\":\"completeD\"");

    ExportVerifier.Verification v = verify(String.join("\n", lines) + "\n", KEY);

    assertThat(v.valid(), is(false));
    assertThat(v.line(), is(target + 1));
    assertThat(
        v.message(),
        containsString(
            "line 14 (node_state state_id=s0-tok0-run-a)"
                + " was altered: its signature does not match its content"));
  }

  @Test
  void aDeletedRecordIsNamedAsMissing() throws Exception {
    List<String> lines = new ArrayList<>(List.of(export("run-a", KEY).split("\n")));
    lines.remove(5); // the first edge

    ExportVerifier.Verification v = verify(String.join("\n", lines), KEY);

    assertThat(v.valid(), is(false));
    assertThat(v.line(), is(6));
    assertThat(v.message(), containsString("record 5 is missing"));
  }

  @Test
  void swappedRecordsAreNamedAsReordered() throws Exception {
    List<String> lines = new ArrayList<>(List.of(export("run-a", KEY).split("\n")));
    String edge = lines.remove(5);
    lines.add(7, edge);

    ExportVerifier.Verification v = verify(String.join("\n", lines), KEY);

    assertThat(v.valid(), is(false));
    assertThat(v.message(), containsString("reordered: record 5 is at line 8"));
  }

  @Test
  void recordsCutBeforeTheManifestAreNamed() throws Exception {
    List<String> lines = new ArrayList<>(List.of(export("run-a", KEY).split("\n")));
    lines.remove(lines.size() - 2); // the artifact, the last record
    lines.remove(lines.size() - 2);

    ExportVerifier.Verification v = verify(String.join("\n", lines), KEY);

    assertThat(v.valid(), is(false));
    assertThat(v.message(), containsString("records 22 to 23 of 24 are missing"));
  }

  @Test
  void aFileCutBeforeItsManifestIsRefused() throws Exception {
    List<String> lines = new ArrayList<>(List.of(export("run-a", KEY).split("\n")));
    lines.remove(lines.size() - 1);

    ExportVerifier.Verification v = verify(String.join("\n", lines), KEY);

    assertThat(v.valid(), is(false));
    assertThat(v.message(), containsString("no manifest record"));
  }

  @Test
  void anUnsignedExportHasNoSignaturesNoManifestAndDoesNotVerify() throws Exception {
    StringWriter out = new StringWriter();
    ExportWriter.Summary s = ExportWriter.write("run-a", records("run-a"), out, null, EXPORTED);

    assertThat(s.recordCount(), is(24L));
    assertThat(out.toString(), not(containsString("signature")));
    assertThat(out.toString(), not(containsString("manifest")));
    assertThat(verify(out.toString(), KEY).valid(), is(false));
  }

  @Test
  void signingFailsClosedWithoutAKeyAndNeverShowsTheKey() {
    SigningKey.MissingSigningKeyException unset =
        assertThrows(
            SigningKey.MissingSigningKeyException.class,
            () -> SigningKey.fromEnvironment(Map.of()));
    assertThat(unset.getMessage(), containsString("ELSPETH_SIGNING_KEY is not set"));
    assertThrows(
        SigningKey.MissingSigningKeyException.class,
        () -> SigningKey.fromEnvironment(Map.of("ELSPETH_SIGNING_KEY", "")));
    SigningKey key = SigningKey.fromEnvironment(Map.of("ELSPETH_SIGNING_KEY", "hunter2"));
    assertThat(key.toString(), not(containsString("hunter2")));
  }

  @Test
  void anUnknownRunExportsNothing() throws Exception {
    assertThat(records("no-such-run"), empty());
  }

  private static Map<?, ?> manifest(String export) {
    String[] lines = export.split("\n");
    return (Map<?, ?>) CanonicalJson.parse(lines[lines.length - 1]);
  }
}
