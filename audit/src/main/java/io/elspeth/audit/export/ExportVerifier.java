package io.elspeth.audit.export;

import static io.elspeth.audit.export.ExportWriter.MANIFEST;
import static io.elspeth.audit.export.ExportWriter.SEQUENCE;
import static io.elspeth.audit.export.ExportWriter.SIGNATURE;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.canonical.CanonicalizationException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Checks a signed export written by {@link ExportWriter} and names the first problem: a line that
 * is not a JSON object, a record whose signature does not match its content (altered), a record
 * missing from the sequence or out of order, records missing at the end, a manifest that is absent,
 * altered, or whose count or hash chain does not match the records.
 */
public final class ExportVerifier {
  /** Which record stands for a record type, for messages. */
  private static final Map<String, String> ID_FIELD =
      Map.ofEntries(
          Map.entry("run", "run_id"),
          Map.entry("secret_resolution", "resolution_id"),
          Map.entry("node", "node_id"),
          Map.entry("edge", "edge_id"),
          Map.entry("operation", "operation_id"),
          Map.entry("call", "call_id"),
          Map.entry("row", "row_id"),
          Map.entry("token", "token_id"),
          Map.entry("token_parent", "parent_token_id"),
          Map.entry("token_outcome", "outcome_id"),
          Map.entry("node_state", "state_id"),
          Map.entry("routing_event", "event_id"),
          Map.entry("batch", "batch_id"),
          Map.entry("batch_member", "token_id"),
          Map.entry("artifact", "artifact_id"));

  private ExportVerifier() {}

  /**
   * The verdict.
   *
   * @param valid true when every record and the manifest check out
   * @param runId the run named by the manifest (null when there is none)
   * @param recordCount records before the manifest
   * @param line 1-based line of the first problem, null when valid or when the problem is the file
   *     as a whole
   * @param message what was found, for people
   */
  public record Verification(
      boolean valid,
      @Nullable String runId,
      long recordCount,
      @Nullable Integer line,
      String message) {}

  /** A parsed line. */
  private record Line(int number, Map<String, Object> record) {}

  /**
   * Verifies the export read from {@code in} with {@code key}: JSON lines (as {@code elspeth
   * export} and a {@code jsonl} sink write it), or one JSON array of the records (as a {@code json}
   * sink writes a post-run export), whose elements messages number as lines.
   */
  public static Verification verify(BufferedReader in, SigningKey key) throws IOException {
    List<String> texts;
    try {
      texts = in.lines().toList();
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause(); // not UTF-8, or unreadable: the caller reports it
    }
    String first = texts.stream().filter(t -> !t.isBlank()).findFirst().orElse("").strip();
    if (first.startsWith("[")) {
      return verifyArray(String.join("\n", texts), key);
    }
    List<Line> lines = new ArrayList<>();
    int number = 0;
    for (String text : texts) {
      number++;
      if (text.isBlank()) {
        continue;
      }
      Object parsed;
      try {
        parsed = CanonicalJson.parse(text);
      } catch (CanonicalizationException e) {
        return fail(
            null,
            lines.size(),
            number,
            "line "
                + number
                + " is not valid JSON (the file was altered or cut): "
                + e.getMessage());
      }
      if (!(parsed instanceof Map<?, ?> map)) {
        return fail(null, lines.size(), number, "line " + number + " is not a JSON object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> record = (Map<String, Object>) map;
      lines.add(new Line(number, record));
    }
    return verify(lines, key);
  }

  private static Verification verifyArray(String text, SigningKey key) {
    Object parsed;
    try {
      parsed = CanonicalJson.parse(text);
    } catch (CanonicalizationException e) {
      return fail(
          null,
          0,
          null,
          "the file is not a valid JSON array (it was altered or cut): " + e.getMessage());
    }
    if (!(parsed instanceof List<?> items)) {
      return fail(null, 0, null, "the file is not a JSON array of records");
    }
    List<Line> lines = new ArrayList<>();
    for (Object item : items) {
      if (!(item instanceof Map<?, ?> map)) {
        return fail(
            null,
            lines.size(),
            lines.size() + 1,
            "element " + (lines.size() + 1) + " of the array is not a JSON object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> record = (Map<String, Object>) map;
      lines.add(new Line(lines.size() + 1, record));
    }
    return verify(lines, key);
  }

  private static Verification verify(List<Line> lines, SigningKey key) {
    int manifestAt = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (MANIFEST.equals(lines.get(i).record().get("record_type"))) {
        manifestAt = i;
        break;
      }
    }
    if (manifestAt < 0) {
      return fail(
          null,
          lines.size(),
          null,
          "no manifest record: the export is unsigned (export"
              + " with --sign) or its end was cut off");
    }
    if (manifestAt != lines.size() - 1) {
      return fail(
          null,
          manifestAt,
          lines.get(manifestAt + 1).number(),
          "line " + lines.get(manifestAt + 1).number() + ": records follow the manifest");
    }
    List<Line> data = lines.subList(0, manifestAt);
    Line manifest = lines.get(manifestAt);
    String runId = string(manifest.record().get("run_id"));

    MessageDigest chain = ExportWriter.sha256();
    for (int i = 0; i < data.size(); i++) {
      Line l = data.get(i);
      Map<String, Object> body = new LinkedHashMap<>(l.record());
      Object signature = body.remove(SIGNATURE);
      if (!(signature instanceof String sig)) {
        return fail(
            runId,
            data.size(),
            l.number(),
            "line " + l.number() + " (" + describe(body) + ") is not signed");
      }
      if (!matches(key.sign(CanonicalJson.canonicalize(body)), sig)) {
        if (i == 0 && noSignatureMatches(lines, key)) {
          return fail(
              runId,
              data.size(),
              null,
              "no signature in the file matches ("
                  + lines.size()
                  + " signed lines): the key is probably not the one the export was signed with"
                  + " (check the key file or variable); with the right key, every line was altered");
        }
        return fail(
            runId,
            data.size(),
            l.number(),
            "line "
                + l.number()
                + " ("
                + describe(body)
                + ") was altered: its signature does not match its content");
      }
      Object sequence = body.get(SEQUENCE);
      if (!(sequence instanceof Long seq) || seq != i) {
        return fail(runId, data.size(), l.number(), sequenceProblem(data, i, l, body, sequence));
      }
      chain.update(sig.getBytes(StandardCharsets.US_ASCII));
    }

    Map<String, Object> manifestBody = new LinkedHashMap<>(manifest.record());
    Object manifestSignature = manifestBody.remove(SIGNATURE);
    if (!(manifestSignature instanceof String ms)
        || !matches(key.sign(CanonicalJson.canonicalize(manifestBody)), ms)) {
      return fail(
          runId,
          data.size(),
          manifest.number(),
          "line "
              + manifest.number()
              + " (manifest) was altered or signed with another key: its signature does not match");
    }
    Object count = manifestBody.get("record_count");
    if (!(count instanceof Long expected) || expected != data.size()) {
      String problem =
          count instanceof Long expected && expected > data.size()
              ? "the export ends early: records "
                  + data.size()
                  + " to "
                  + (expected - 1)
                  + " of "
                  + expected
                  + " are missing before the manifest"
              : "the manifest counts " + count + " records but the file holds " + data.size();
      return fail(runId, data.size(), manifest.number(), problem);
    }
    String finalHash = HexFormat.of().formatHex(chain.digest());
    if (!matches(finalHash, string(manifestBody.get("final_hash")))) {
      return fail(
          runId,
          data.size(),
          manifest.number(),
          "the hash chain over the signatures is "
              + finalHash
              + " but the manifest says "
              + manifestBody.get("final_hash"));
    }
    if (!data.isEmpty()
        && "run".equals(data.get(0).record().get("record_type"))
        && !String.valueOf(data.get(0).record().get("run_id")).equals(runId)) {
      return fail(
          runId,
          data.size(),
          data.get(0).number(),
          "the manifest names run "
              + runId
              + " but the export holds run "
              + data.get(0).record().get("run_id"));
    }
    return new Verification(
        true,
        runId,
        data.size(),
        null,
        "verified "
            + data.size()
            + " records of run "
            + runId
            + ": every signature, the sequence and the hash chain"
            + " match");
  }

  /** True when no line's signature matches under {@code key}: the key, not the file, is wrong. */
  private static boolean noSignatureMatches(List<Line> lines, SigningKey key) {
    for (Line l : lines) {
      Map<String, Object> body = new LinkedHashMap<>(l.record());
      if (body.remove(SIGNATURE) instanceof String sig
          && matches(key.sign(CanonicalJson.canonicalize(body)), sig)) {
        return false;
      }
    }
    return true;
  }

  private static String sequenceProblem(
      List<Line> data,
      int expected,
      Line found,
      Map<String, Object> body,
      @Nullable Object sequence) {
    String here = "line " + found.number() + " (" + describe(body) + ")";
    if (!(sequence instanceof Long seq)) {
      return here + " has no " + SEQUENCE;
    }
    for (int j = expected + 1; j < data.size(); j++) {
      Object other = data.get(j).record().get(SEQUENCE);
      if (other instanceof Long o && o == expected) {
        return "records were reordered: record "
            + expected
            + " is at line "
            + data.get(j).number()
            + ", but "
            + here
            + " is record "
            + seq;
      }
    }
    if (seq > expected) {
      return (seq > expected + 1
              ? "records " + expected + " to " + (seq - 1) + " are"
              : "record " + expected + " is")
          + " missing: "
          + here
          + " is record "
          + seq
          + " where record "
          + expected
          + " was expected";
    }
    return here
        + " is record "
        + seq
        + " again or out of order; record "
        + expected
        + " was expected";
  }

  private static String describe(Map<String, Object> record) {
    Object type = record.get("record_type");
    String field = ID_FIELD.get(String.valueOf(type));
    return field == null || record.get(field) == null
        ? String.valueOf(type)
        : type + " " + field + "=" + record.get(field);
  }

  private static boolean matches(String expected, @Nullable String actual) {
    return actual != null
        && MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.US_ASCII),
            actual.getBytes(StandardCharsets.US_ASCII));
  }

  private static @Nullable String string(@Nullable Object value) {
    return value == null ? null : value.toString();
  }

  private static Verification fail(
      @Nullable String runId, long records, @Nullable Integer line, String message) {
    return new Verification(false, runId, records, line, message);
  }
}
