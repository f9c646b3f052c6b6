package io.elspeth.connectors.replay;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a verify run found (ELSPETH's {@code VerificationReport}): how many of its calls matched the
 * recorded run's answers, differed from them, had no recorded counterpart, or had a counterpart
 * whose answer cannot be compared; and each call that did not match.
 */
public record VerificationReport(
    String runId,
    String sourceRunId,
    int totalCalls,
    int matches,
    int mismatches,
    int missingRecordings,
    int missingPayloads,
    int noResponseRecorded,
    List<Difference> differences) {

  public VerificationReport {
    differences = List.copyOf(differences);
  }

  /**
   * One call of the verify run that did not match its recording.
   *
   * @param kind {@code mismatch} (the answers differ), {@code missing_recording} (the recorded run
   *     made no such call), {@code no_response_recorded} (the recorded call got no answer)
   * @param changes where the answers differ: {@code {path, recorded, live}}, the first few, or a
   *     hash comparison when a payload is not stored
   */
  public record Difference(
      String kind,
      String callId,
      String callType,
      String requestHash,
      @Nullable String recordedCallId,
      @Nullable String recordedResponseHash,
      @Nullable String liveResponseHash,
      List<Map<String, Object>> changes) {
    public Difference {
      changes = List.copyOf(changes);
    }
  }

  /** Percentage of the calls that matched (100 when there were none), as ELSPETH's. */
  public double successRate() {
    return totalCalls == 0 ? 100.0 : matches * 100.0 / totalCalls;
  }

  /** Whether some answer differs from the recorded one (a missing baseline is not a difference). */
  public boolean hasDifferences() {
    return mismatches > 0;
  }

  /** The report as JSON values (the Landscape's record of it, {@code --format json}). */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", runId);
    m.put("replay_from", sourceRunId);
    m.put("total_calls", totalCalls);
    m.put("matches", matches);
    m.put("mismatches", mismatches);
    m.put("missing_recordings", missingRecordings);
    m.put("missing_payloads", missingPayloads);
    m.put("no_response_recorded", noResponseRecorded);
    m.put(
        "differences",
        differences.stream()
            .map(
                d -> {
                  Map<String, Object> o = new LinkedHashMap<>();
                  o.put("kind", d.kind());
                  o.put("call_id", d.callId());
                  o.put("call_type", d.callType());
                  o.put("request_hash", d.requestHash());
                  o.put("recorded_call_id", d.recordedCallId());
                  o.put("recorded_response_hash", d.recordedResponseHash());
                  o.put("live_response_hash", d.liveResponseHash());
                  o.put("changes", d.changes());
                  return o;
                })
            .toList());
    return m;
  }

  /** A few lines for a person: the counts, then one line per differing call. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            java.util.Locale.ROOT,
            "verify against run %s: %d call(s), %d matched, %d differ, %d not recorded,"
                + " %d without a stored answer, %d recorded without an answer (%.1f%% matched)",
            sourceRunId,
            totalCalls,
            matches,
            mismatches,
            missingRecordings,
            missingPayloads,
            noResponseRecorded,
            successRate()));
    for (Difference d : differences) {
      b.append("\n  ")
          .append(d.kind())
          .append(": ")
          .append(d.callType())
          .append(" call ")
          .append(d.callId());
      if (d.recordedCallId() != null) {
        b.append(" (recorded ").append(d.recordedCallId()).append(')');
      }
      for (Map<String, Object> c : d.changes()) {
        b.append("\n    ")
            .append(c.get("path"))
            .append(": recorded ")
            .append(c.get("recorded"))
            .append(", live ")
            .append(c.get("live"));
      }
    }
    return b.toString();
  }
}
