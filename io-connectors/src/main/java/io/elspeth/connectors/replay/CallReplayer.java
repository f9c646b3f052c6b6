package io.elspeth.connectors.replay;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Answers external calls from a recorded run (ELSPETH's {@code CallReplayer}): a call is matched by
 * its call type and request ({@link RequestMatch}); when the recorded run asked the same thing
 * several times (retries, identical rows), the n-th identical request of this run gets the n-th
 * recorded answer, in the order they were recorded. One replayer per worker JVM and recorded run,
 * shared by every step (the occurrence count is per JVM). Thread-safe.
 */
public final class CallReplayer {
  private static final Map<ReplaySource, CallReplayer> SHARED = new ConcurrentHashMap<>();

  /** What the recording says one call came to. */
  public record Answer(
      RecordedCall call,
      @Nullable Map<String, Object> response,
      @Nullable Map<String, Object> error) {
    /** Whether the recorded call failed. */
    public boolean failed() {
      return !"success".equals(call.status());
    }
  }

  private final ReplaySource source;
  private final @Nullable PayloadStore payloads;
  private final Map<String, List<RecordedCall>> byMatch = new HashMap<>();
  private final Map<String, List<RecordedCall>> byRequestHash = new HashMap<>();
  private final Map<String, Integer> taken = new HashMap<>();

  private CallReplayer(
      ReplaySource source, @Nullable PayloadStore payloads, List<RecordedCall> calls) {
    this.source = source;
    this.payloads = payloads;
    for (RecordedCall c : calls) {
      byMatch.computeIfAbsent(c.callType() + "|" + c.matchHash(), k -> new ArrayList<>()).add(c);
      byRequestHash
          .computeIfAbsent(c.callType() + "|" + c.requestHash(), k -> new ArrayList<>())
          .add(c);
    }
  }

  /** The replayer of {@code source} in this JVM, reading the recording on first use. */
  public static CallReplayer of(ReplaySource source) {
    return SHARED.computeIfAbsent(source, CallReplayer::load);
  }

  /** Forgets the replayer of run {@code runId} in this JVM (its run is over). */
  public static void forget(String runId) {
    SHARED.keySet().removeIf(s -> s.runId().equals(runId));
  }

  private static CallReplayer load(ReplaySource source) {
    PayloadStore payloads =
        source.payloadStore() == null
            ? null
            : FilesystemPayloadStore.at(Path.of(source.payloadStore()));
    LandscapeStore store = LandscapeStores.acquire(source.landscape());
    try (Connection c = store.connection()) {
      if (!RecordedCalls.runExists(c, source.sourceRunId())) {
        throw new ReplayException(
            "replay_from: run "
                + source.sourceRunId()
                + " is not in the Landscape "
                + source.landscape().redacted());
      }
      return new CallReplayer(
          source, payloads, RecordedCalls.load(c, source.sourceRunId(), payloads, false));
    } catch (SQLException e) {
      throw new ReplayException(
          "cannot read the calls of run "
              + source.sourceRunId()
              + " from the Landscape "
              + source.landscape().redacted()
              + ": "
              + e.getMessage(),
          e);
    } finally {
      LandscapeStores.release(source.landscape());
    }
  }

  /**
   * The recorded answer to this call: the next recorded call of this type whose request matches.
   *
   * @throws ReplayException when the recorded run made no such call (or fewer of them), or its
   *     answer's payload is not in the payload store
   */
  public Answer answer(String callType, Map<String, Object> request) {
    String key = callType + "|" + RequestMatch.hash(request);
    RecordedCall call;
    int occurrence;
    synchronized (this) {
      occurrence = taken.merge(key, 1, Integer::sum) - 1;
      List<RecordedCall> candidates = byMatch.get(key);
      call =
          candidates == null || occurrence >= candidates.size() ? null : candidates.get(occurrence);
    }
    if (call == null) {
      String requestHash = CanonicalJson.stableHash(request);
      List<RecordedCall> unpaid = byRequestHash.get(callType + "|" + requestHash);
      if (unpaid != null && !unpaid.isEmpty() && unpaid.get(0).requestRef() == null) {
        throw new ReplayException(
            "replay of run "
                + source.sourceRunId()
                + ": recorded "
                + callType
                + " call "
                + unpaid.get(0).callId()
                + " (request hash "
                + requestHash
                + ") has no stored payloads; replay needs the recorded run's payload_store");
      }
      throw new ReplayException(
          "replay of run "
              + source.sourceRunId()
              + ": no recorded "
              + callType
              + " call for request hash "
              + requestHash
              + (occurrence > 0
                  ? " (occurrence "
                      + (occurrence + 1)
                      + "; the recorded run made it "
                      + occurrence
                      + " time(s))"
                  : "")
              + "; the pipeline asked something the recorded run did not (changed settings,"
              + " prompts or input?)");
    }
    Map<String, Object> response = null;
    if (call.responseHash() != null) {
      String text = RecordedCalls.responseText(payloads, call);
      if (text == null) {
        throw new ReplayException(
            "replay of run "
                + source.sourceRunId()
                + ": recorded "
                + callType
                + " call "
                + call.callId()
                + " exists but its response payload is"
                + " missing (purged, or the payload store is not configured); cannot replay it");
      }
      response = asMap(CanonicalJson.parse(text));
    }
    Map<String, Object> error =
        call.errorJson() == null ? null : asMap(CanonicalJson.parse(call.errorJson()));
    return new Answer(call, response, error);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(@Nullable Object parsed) {
    if (!(parsed instanceof Map<?, ?>)) {
      throw new ReplayException(
          "recorded payload is not a JSON object: "
              + String.valueOf(parsed).substring(0, Math.min(80, String.valueOf(parsed).length())));
    }
    return (Map<String, Object>) parsed;
  }
}
