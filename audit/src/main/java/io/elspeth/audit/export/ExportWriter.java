package io.elspeth.audit.export;

import io.elspeth.audit.canonical.CanonicalJson;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes export records as JSON lines, one canonical JSON object (RFC 8785) per line, and signs
 * them when given a {@link SigningKey} (spec/landscape.md §7.2):
 *
 * <ul>
 *   <li>each record gets {@value #SEQUENCE} (its 0-based position) and {@value #SIGNATURE} = hex
 *       HMAC-SHA256 of the canonical JSON of the record without its signature;
 *   <li>a running SHA-256 is fed the ASCII signature of each record in order;
 *   <li>a last {@code manifest} record carries the run id, {@code record_count} (records before the
 *       manifest), {@code final_hash} (the running hash), the algorithms, {@code exported_at} and
 *       its own signature.
 * </ul>
 *
 * <p>The sequence number is ours, not ELSPETH's: signed into each record, it lets {@link
 * ExportVerifier} tell a missing or reordered record from an altered one. An unsigned export is the
 * bare records, with no sequence, signature or manifest, as in ELSPETH.
 */
public final class ExportWriter {
  /** The signature field of a signed record. */
  public static final String SIGNATURE = "signature";

  /** The position field of a signed record. */
  public static final String SEQUENCE = "export_sequence";

  /** The record type of the manifest. */
  public static final String MANIFEST = "manifest";

  private ExportWriter() {}

  /**
   * What was written.
   *
   * @param recordCount records written, without the manifest
   * @param finalHash the running hash over the signatures, null when unsigned
   */
  public record Summary(long recordCount, @Nullable String finalHash) {}

  /**
   * Writes {@code records} of {@code runId} to {@code out}, signed when {@code key} is given.
   *
   * @param exportedAt the time recorded in the manifest
   * @throws IOException when {@code out} cannot be written
   */
  public static Summary write(
      String runId,
      List<Map<String, Object>> records,
      Writer out,
      @Nullable SigningKey key,
      Instant exportedAt)
      throws IOException {
    return write(runId, records.iterator(), out, key, exportedAt);
  }

  /**
   * As {@link #write(String, List, Writer, SigningKey, Instant)}, one record at a time as {@code
   * records} yields them ({@link LandscapeExporter#records}): a run of any size is written in
   * bounded memory.
   */
  public static Summary write(
      String runId,
      Iterator<Map<String, Object>> records,
      Writer out,
      @Nullable SigningKey key,
      Instant exportedAt)
      throws IOException {
    SignedRecords signed = key == null ? null : new SignedRecords(runId, records, key, exportedAt);
    Iterator<Map<String, Object>> lines = signed == null ? records : signed;
    long count = 0;
    while (lines.hasNext()) {
      out.write(CanonicalJson.canonicalize(lines.next()));
      out.write('\n');
      count++;
    }
    return signed == null
        ? new Summary(count, null)
        : new Summary(signed.recordCount(), signed.finalHash());
  }

  /**
   * {@code records} of {@code runId} signed one at a time as {@link #write} signs them, the
   * manifest last: for writers that are not JSON lines (a sink, CSV files).
   */
  public static Iterator<Map<String, Object>> signing(
      String runId, Iterator<Map<String, Object>> records, SigningKey key, Instant exportedAt) {
    return new SignedRecords(runId, records, key, exportedAt);
  }

  /** Signs records as they pass, and yields the manifest after the last. */
  private static final class SignedRecords implements Iterator<Map<String, Object>> {
    private final String runId;
    private final Iterator<Map<String, Object>> records;
    private final SigningKey key;
    private final Instant exportedAt;
    private final MessageDigest chain = sha256();
    private long sequence;
    private @Nullable String finalHash;

    SignedRecords(
        String runId, Iterator<Map<String, Object>> records, SigningKey key, Instant exportedAt) {
      this.runId = runId;
      this.records = records;
      this.key = key;
      this.exportedAt = exportedAt;
    }

    @Override
    public boolean hasNext() {
      return finalHash == null;
    }

    @Override
    public Map<String, Object> next() {
      if (finalHash != null) {
        throw new java.util.NoSuchElementException();
      }
      if (records.hasNext()) {
        Map<String, Object> signed = new LinkedHashMap<>(records.next());
        signed.put(SEQUENCE, sequence++);
        String signature = key.sign(CanonicalJson.canonicalize(signed));
        signed.put(SIGNATURE, signature);
        chain.update(signature.getBytes(StandardCharsets.US_ASCII));
        return signed;
      }
      String hash = HexFormat.of().formatHex(chain.digest());
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("record_type", MANIFEST);
      manifest.put("run_id", runId);
      manifest.put("record_count", sequence);
      manifest.put("final_hash", hash);
      manifest.put("hash_algorithm", "sha256");
      manifest.put("signature_algorithm", "hmac-sha256");
      manifest.put("exported_at", exportedAt.toString());
      manifest.put(SIGNATURE, key.sign(CanonicalJson.canonicalize(manifest)));
      finalHash = hash;
      return manifest;
    }

    long recordCount() {
      return sequence;
    }

    @Nullable String finalHash() {
      return finalHash;
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }
}
