package io.elspeth.connectors.replay;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.PayloadStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Compares the answers a verify run got with those its recorded run got (ELSPETH's {@code
 * CallVerifier}), from the two runs' Landscape records once the verify run's calls are all
 * committed: so it covers every audited call, of node states and of source loads and sink writes,
 * on any runner. Calls are paired as a replay pairs them (call type, request, n-th occurrence);
 * answers are compared by response hash, and where both payloads are stored, the paths where they
 * differ are listed.
 */
public final class RunVerification {
  /** At most this many differing calls are listed (all are counted). */
  static final int MAX_LISTED = 100;

  /** At most this many differing paths per call. */
  static final int MAX_CHANGES = 10;

  private static final int MAX_VALUE = 200;

  private RunVerification() {}

  /** Verifies {@code runId}'s calls against {@code sourceRunId}'s. */
  public static VerificationReport verify(
      Connection c, String runId, String sourceRunId, @Nullable PayloadStore store)
      throws SQLException {
    List<RecordedCall> live = RecordedCalls.load(c, runId, store, true);
    Map<String, List<RecordedCall>> recorded = new HashMap<>();
    for (RecordedCall r : RecordedCalls.load(c, sourceRunId, store, true)) {
      recorded.computeIfAbsent(r.callType() + "|" + r.matchHash(), k -> new ArrayList<>()).add(r);
    }
    Map<String, Integer> taken = new HashMap<>();
    int matches = 0;
    int mismatches = 0;
    int missingRecordings = 0;
    int missingPayloads = 0;
    int noResponse = 0;
    List<VerificationReport.Difference> differences = new ArrayList<>();
    for (RecordedCall call : live) {
      String key = call.callType() + "|" + call.matchHash();
      int occurrence = taken.merge(key, 1, Integer::sum) - 1;
      List<RecordedCall> candidates = recorded.get(key);
      RecordedCall baseline =
          candidates == null || occurrence >= candidates.size() ? null : candidates.get(occurrence);
      String kind;
      List<Map<String, Object>> changes = List.of();
      if (baseline == null) {
        missingRecordings++;
        kind = "missing_recording";
      } else if (baseline.responseHash() == null) {
        noResponse++;
        kind = "no_response_recorded";
      } else {
        String recordedText = RecordedCalls.responseText(store, baseline);
        if (recordedText == null && baseline.responseRef() != null) {
          missingPayloads++;
        }
        if (Objects.equals(baseline.responseHash(), call.responseHash())) {
          matches++;
          continue;
        }
        mismatches++;
        kind = "mismatch";
        String liveText = RecordedCalls.responseText(store, call);
        changes =
            recordedText != null && liveText != null
                ? changes(CanonicalJson.parse(recordedText), CanonicalJson.parse(liveText))
                : List.of(change("response_hash", baseline.responseHash(), call.responseHash()));
      }
      if (differences.size() < MAX_LISTED) {
        differences.add(
            new VerificationReport.Difference(
                kind,
                call.callId(),
                call.callType(),
                call.requestHash(),
                baseline == null ? null : baseline.callId(),
                baseline == null ? null : baseline.responseHash(),
                call.responseHash(),
                changes));
      }
    }
    return new VerificationReport(
        runId,
        sourceRunId,
        live.size(),
        matches,
        mismatches,
        missingRecordings,
        missingPayloads,
        noResponse,
        differences);
  }

  /** The first paths (DeepDiff's {@code root['key'][0]} form) where two JSON values differ. */
  static List<Map<String, Object>> changes(@Nullable Object recorded, @Nullable Object live) {
    List<Map<String, Object>> out = new ArrayList<>();
    diff("root", recorded, live, out);
    return out;
  }

  private static void diff(
      String path, @Nullable Object a, @Nullable Object b, List<Map<String, Object>> out) {
    if (out.size() >= MAX_CHANGES) {
      return;
    }
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      Set<Object> keys = new TreeSet<>(java.util.Comparator.comparing(String::valueOf));
      keys.addAll(ma.keySet());
      keys.addAll(mb.keySet());
      for (Object k : keys) {
        diff(
            path + "['" + k + "']",
            ma.containsKey(k) ? ma.get(k) : Absent.VALUE,
            mb.containsKey(k) ? mb.get(k) : Absent.VALUE,
            out);
      }
      return;
    }
    if (a instanceof List<?> la && b instanceof List<?> lb) {
      for (int i = 0; i < Math.max(la.size(), lb.size()); i++) {
        diff(
            path + "[" + i + "]",
            i < la.size() ? la.get(i) : Absent.VALUE,
            i < lb.size() ? lb.get(i) : Absent.VALUE,
            out);
      }
      return;
    }
    if (!CanonicalJson.canonicalize(shown(a)).equals(CanonicalJson.canonicalize(shown(b)))) {
      out.add(change(path, shown(a), shown(b)));
    }
  }

  /** A value as the report shows it: absent as {@code <absent>}, long text cut. */
  private static @Nullable Object shown(@Nullable Object v) {
    if (v == Absent.VALUE) {
      return "<absent>";
    }
    if (v instanceof Map<?, ?> || v instanceof List<?>) {
      String json = CanonicalJson.canonicalize(v);
      return json.length() > MAX_VALUE ? json.substring(0, MAX_VALUE) + "..." : json;
    }
    if (v instanceof String s && s.length() > MAX_VALUE) {
      return s.substring(0, MAX_VALUE) + "...";
    }
    return v;
  }

  private static Map<String, Object> change(
      String path, @Nullable Object recorded, @Nullable Object live) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", path);
    m.put("recorded", recorded);
    m.put("live", live);
    return m;
  }

  /** A key or index one side does not have. */
  private enum Absent {
    VALUE
  }
}
