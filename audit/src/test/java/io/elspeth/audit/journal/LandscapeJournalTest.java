package io.elspeth.audit.journal;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.NodeRecord;
import io.elspeth.audit.record.RowRecord;
import io.elspeth.audit.record.RunRecord;
import io.elspeth.audit.store.LandscapeIntegrityException;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LandscapeJournalTest {
  @TempDir Path dir;

  private final Instant now = Instant.parse("2026-01-01T00:00:00.123456Z");

  private List<Map<String, Object>> lines(Path journal) throws Exception {
    return Files.readAllLines(journal).stream()
        .map(
            l -> {
              @SuppressWarnings("unchecked")
              Map<String, Object> m = (Map<String, Object>) CanonicalJson.parse(l);
              return m;
            })
        .toList();
  }

  @Test
  void journalsWhatTheStoreCommittedAndNothingOfARolledBackCommit() throws Exception {
    Path journal = dir.resolve("l.journal.jsonl");
    LandscapeUrl url = LandscapeUrl.parse("sqlite:///" + dir.resolve("l.db"));
    assertThat(LandscapeJournal.defaultPath(url), is(journal));
    try (LandscapeStore store = LandscapeStore.open(url)) {
      store.useJournal(new LandscapeJournal.Options(journal.toString(), false, false, null));
      store.commit(
          List.of(
              new RunRecord(
                  "run1", now, null, "h", "{}", null, "sha256-rfc8785-v1", null, null, "running"),
              new NodeRecord(
                  "src", "run1", "csv", "source", "1", "io_read", "h", "{}", now, null, null),
              new RowRecord("row1", "run1", "src", 0, "h1", null, now),
              new RowRecord("row2", "run1", "src", 1, "h2", null, now)));
      // A retried commit inserts nothing, so journals nothing.
      store.commit(List.of(new RowRecord("row1", "run1", "src", 0, "h1", null, now)));
      // A conflicting record rolls the whole transaction back, row3 included.
      assertThrows(
          LandscapeIntegrityException.class,
          () ->
              store.commit(
                  List.of(
                      new RowRecord("row3", "run1", "src", 2, "h3", null, now),
                      new RowRecord("row1", "run1", "src", 0, "other", null, now))));
      store.completeRun("run1", "completed", now);
    }
    List<String> text = Files.readAllLines(journal);
    assertThat(text.get(0), startsWith("{\"timestamp\": \""));
    List<Map<String, Object>> lines = lines(journal);
    assertThat(lines, hasSize(4));
    assertThat(
        (String) lines.get(0).get("statement"),
        startsWith("INSERT INTO runs (run_id," + " started_at, "));
    assertThat((String) lines.get(0).get("statement"), containsString(") VALUES (?, ?, "));
    assertThat(lines.get(0).get("executemany"), is(false));
    assertThat(
        ((List<?>) lines.get(0).get("parameters")).get(1), is("2026-01-01T00:00:00.123456+00:00"));
    Map<String, Object> rows = lines.get(2);
    assertThat((String) rows.get("statement"), startsWith("INSERT INTO rows ("));
    assertThat(rows.get("executemany"), is(true));
    assertThat((List<?>) rows.get("parameters"), hasSize(2));
    assertThat(lines.get(3).get("statement").toString(), startsWith("UPDATE runs SET status"));
    assertThat(
        lines.get(3).get("parameters"),
        is(List.of("completed", "2026-01-01T00:00:00.123456+00:00", "run1")));
  }

  @Test
  void callInsertsCarryTheirPayloadsOrWhyTheyAreMissing() throws Exception {
    Path payloads = dir.resolve("payloads");
    FilesystemPayloadStore store = FilesystemPayloadStore.at(payloads);
    String request = store.store("{\"prompt\": \"hi\"}".getBytes(StandardCharsets.UTF_8));
    String missing = "ab".repeat(32);
    Path journal = dir.resolve("j.jsonl");
    LandscapeJournal j =
        new LandscapeJournal(
            new LandscapeJournal.Options(journal.toString(), false, true, payloads.toString()));
    j.inserted(
        List.of(
            new CallRecord(
                "call0", "st0", null, 0, "llm", "success", request, request, missing, missing, null,
                4.0, now)));
    Map<String, Object> line = lines(journal).get(0);
    assertThat(line.get("request_ref"), is(request));
    assertThat(line.get("request_payload"), is("{\"prompt\": \"hi\"}"));
    assertThat(line.get("response_payload"), nullValue());
    assertThat((String) line.get("response_payload_error"), startsWith("payload_read_failed"));

    LandscapeJournal strict =
        new LandscapeJournal(
            new LandscapeJournal.Options(
                dir.resolve("k.jsonl").toString(), true, true, payloads.toString()));
    assertThrows(
        LandscapeJournal.JournalWriteException.class,
        () ->
            strict.inserted(
                List.of(
                    new CallRecord(
                        "call1", "st0", null, 1, "llm", "success", missing, missing, null, null,
                        null, 4.0, now))));
  }

  @Test
  void aFailedWriteStopsTheJournalOrWithFailOnErrorFailsTheWrite() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("a-folder"));
    RowRecord row = new RowRecord("row1", "run1", "src", 0, "h1", null, now);
    LandscapeJournal lenient =
        new LandscapeJournal(new LandscapeJournal.Options(folder.toString(), false, false, null));
    lenient.inserted(List.of(row));
    lenient.inserted(List.of(row));
    LandscapeJournal strict =
        new LandscapeJournal(new LandscapeJournal.Options(folder.toString(), true, false, null));
    LandscapeJournal.JournalWriteException e =
        assertThrows(
            LandscapeJournal.JournalWriteException.class, () -> strict.inserted(List.of(row)));
    assertThat(e.getMessage(), containsString("cannot write the Landscape journal " + folder));
    assertThat(
        LandscapeJournal.defaultPath(LandscapeUrl.parse("postgresql://u@127.0.0.1:5432/db")),
        nullValue());
  }
}
