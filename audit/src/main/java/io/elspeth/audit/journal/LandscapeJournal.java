package io.elspeth.audit.journal;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.canonical.PythonRepr;
import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadIntegrityException;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.schema.Dialect;
import io.elspeth.audit.store.LandscapeUrl;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ELSPETH's JSONL change journal ({@code landscape.dump_to_jsonl}): an append-only emergency backup
 * of the Landscape's writes, not the legal record. The store hands it the writes of a transaction
 * <em>after</em> the transaction committed, so the journal never holds a write the Landscape rolled
 * back; one line per statement, as ELSPETH writes it (Python's {@code json.dumps}): {@code
 * {"timestamp", "statement", "parameters", "executemany"}}, and with {@code include_payloads}, an
 * INSERT into {@code calls} also carries the request and response payloads read from the payload
 * store ({@code payloads: [...]} for a batch).
 *
 * <p>Appends are serialised in this JVM and locked on the file across processes, so the workers of
 * one machine (threads of the direct runner, task slots of a local Flink cluster) write whole lines
 * to one file. A write that fails is logged; with {@code fail_on_error} it fails the write that
 * caused it (and so the run), otherwise the journal stops for the rest of the run, as in ELSPETH
 * RC2. A payload whose stored bytes do not match its hash always fails.
 */
public final class LandscapeJournal {
  private static final Logger LOG = LoggerFactory.getLogger(LandscapeJournal.class);

  /**
   * The journal's settings.
   *
   * @param path the journal file (absolute)
   * @param failOnError whether a failed write fails the run
   * @param includePayloads whether call INSERTs carry their payloads
   * @param payloadBasePath the payload store folder payloads are read from (required with {@code
   *     includePayloads})
   */
  public record Options(
      String path, boolean failOnError, boolean includePayloads, @Nullable String payloadBasePath)
      implements Serializable {
    public Options {
      if (includePayloads && payloadBasePath == null) {
        throw new IllegalArgumentException("payloadBasePath is required with includePayloads");
      }
    }
  }

  /**
   * ELSPETH's default journal file: the SQLite database file with suffix .journal.jsonl; null for a
   * server database or an in-memory SQLite one (the path must then be given).
   */
  public static @Nullable Path defaultPath(LandscapeUrl url) {
    String file = url.jdbcUrl().replaceFirst("^jdbc:sqlite:", "").replaceFirst("\\?.*$", "");
    if (url.dialect() != Dialect.SQLITE || file.isEmpty() || file.contains(":memory:")) {
      return null;
    }
    Path db = Path.of(file).toAbsolutePath();
    String name = db.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    return db.resolveSibling(stem + ".journal.jsonl");
  }

  /** A write the journal could not make, raised only with {@code fail_on_error}. */
  public static final class JournalWriteException extends RuntimeException {
    JournalWriteException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Options options;
  private final Path path;
  private final @Nullable PayloadStore payloads;
  private final Object lock = new Object();
  private volatile boolean disabled;

  public LandscapeJournal(Options options) {
    this.options = options;
    this.path = Path.of(options.path()).toAbsolutePath();
    this.payloads =
        options.includePayloads()
            ? FilesystemPayloadStore.at(Path.of(options.payloadBasePath()))
            : null;
  }

  public Options options() {
    return options;
  }

  /** Journals the records a committed transaction inserted, one line per table. */
  public void inserted(List<? extends AuditRecord> records) {
    if (disabled || records.isEmpty()) {
      return;
    }
    Map<String, List<AuditRecord>> byTable = new LinkedHashMap<>();
    for (AuditRecord r : records) {
      byTable.computeIfAbsent(r.table(), t -> new ArrayList<>()).add(r);
    }
    Instant now = Instant.now();
    List<String> lines = new ArrayList<>(byTable.size());
    for (List<AuditRecord> group : byTable.values()) {
      List<String> columns = new ArrayList<>(group.get(0).columns().keySet());
      String sql =
          "INSERT INTO "
              + group.get(0).table()
              + " ("
              + String.join(", ", columns)
              + ") VALUES ("
              + String.join(", ", columns.stream().map(c -> "?").toList())
              + ")";
      List<List<Object>> parameters = new ArrayList<>(group.size());
      for (AuditRecord r : group) {
        parameters.add(normalize(new ArrayList<>(r.columns().values())));
      }
      boolean many = group.size() > 1;
      Map<String, Object> line = line(now, sql, many ? parameters : parameters.get(0), many);
      if (payloads != null && group.get(0).table().equals("calls")) {
        addPayloads(line, group, many);
      }
      lines.add(PythonRepr.json(line));
    }
    append(lines);
  }

  /** Journals one committed UPDATE or DELETE with its parameters, in bind order. */
  public void statement(String sql, List<Object> parameters) {
    if (disabled) {
      return;
    }
    append(List.of(PythonRepr.json(line(Instant.now(), sql, normalize(parameters), false))));
  }

  private static Map<String, Object> line(
      Instant now, String sql, Object parameters, boolean many) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("timestamp", CanonicalJson.isoformat(now));
    line.put("statement", sql);
    line.put("parameters", parameters);
    line.put("executemany", many);
    return line;
  }

  private static List<Object> normalize(List<Object> values) {
    List<Object> out = new ArrayList<>(values.size());
    for (Object v : values) {
      out.add(v instanceof Instant i ? CanonicalJson.isoformat(i) : v);
    }
    return out;
  }

  private void addPayloads(Map<String, Object> line, List<AuditRecord> calls, boolean many) {
    if (!many) {
      line.putAll(payloadsOf(calls.get(0)));
      return;
    }
    List<Map<String, Object>> all = new ArrayList<>(calls.size());
    calls.forEach(c -> all.add(payloadsOf(c)));
    line.put("payloads", all);
  }

  private Map<String, Object> payloadsOf(AuditRecord call) {
    // Only called with include_payloads, which the constructor refuses without a payload store.
    PayloadStore store = Objects.requireNonNull(payloads, "payloads");
    Map<String, Object> columns = call.columns();
    Map<String, Object> out = new LinkedHashMap<>();
    for (String side : List.of("request", "response")) {
      Object ref = columns.get(side + "_ref");
      out.put(side + "_ref", ref);
      String error = null;
      String payload = null;
      if (ref instanceof String key) {
        try {
          payload =
              StandardCharsets.UTF_8
                  .newDecoder()
                  .decode(ByteBuffer.wrap(store.retrieve(key)))
                  .toString();
        } catch (PayloadIntegrityException e) {
          throw e; // a payload that does not match its hash is an audit integrity failure
        } catch (CharacterCodingException e) {
          error = failed("payload_decode_failed", e);
        } catch (RuntimeException e) {
          error = failed("payload_read_failed", e);
        }
      }
      out.put(side + "_payload", payload);
      if (error != null) {
        out.put(side + "_payload_error", error);
      }
    }
    return out;
  }

  private String failed(String what, Exception e) {
    LOG.error("Landscape journal {} error={}", what, e.getMessage());
    if (options.failOnError()) {
      throw new JournalWriteException(
          "Landscape journal " + path + ": " + what + ": " + e.getMessage(), e);
    }
    return what + ": " + e.getMessage();
  }

  private void append(List<String> lines) {
    StringBuilder text = new StringBuilder();
    lines.forEach(l -> text.append(l).append('\n'));
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    synchronized (lock) {
      if (disabled) {
        return;
      }
      try {
        Files.createDirectories(path.getParent());
        try (FileChannel ch =
                FileChannel.open(
                    path,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            FileLock ignored = ch.lock()) {
          ByteBuffer buffer = ByteBuffer.wrap(bytes);
          while (buffer.hasRemaining()) {
            ch.write(buffer);
          }
        }
      } catch (IOException | RuntimeException e) {
        LOG.error("Landscape journal write failed path={} error={}", path, e.getMessage());
        if (options.failOnError()) {
          throw new JournalWriteException(
              "cannot write the Landscape journal " + path + ": " + e.getMessage(), e);
        }
        disabled = true;
        LOG.error("Landscape journal disabled for the rest of the run path={}", path);
      }
    }
  }
}
