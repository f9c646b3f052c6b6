package io.elspeth.connectors.sink;

import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.publication.SinkPublications;
import io.elspeth.audit.record.ArtifactRecord;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.operation.OperationAudit;
import io.elspeth.connectors.operation.OperationCalls;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a crashed run's sink outputs and its Landscape agree again, with the Landscape as the
 * arbiter. For every publication the run recorded and did not settle (see {@link SinkPublication}):
 * the target is made the recorded output (it already is; or the durable staged file is renamed into
 * place; anything else is refused, since the file was changed by someone else), then every token of
 * the publication's manifest that has no terminal outcome gets its sink node state and outcome (and
 * the sink its artifact) recorded in the run that wrote it, and the publication is settled.
 * Afterwards every row in a published file has its outcome, so a resume skips it instead of writing
 * it again.
 */
public final class PublicationRepair {
  private static final Logger LOG = LoggerFactory.getLogger(PublicationRepair.class);
  private static final int CHUNK = 500;

  private PublicationRepair() {}

  /** What a repair did; {@code renamed}: staged outputs published (renamed or committed). */
  public record Report(int publications, int renamed, long outcomesRecorded) {
    Report plus(Report o) {
      return new Report(
          publications + o.publications,
          renamed + o.renamed,
          outcomesRecorded + o.outcomesRecorded);
    }
  }

  /** The repair cannot make the output and the Landscape agree; the message says why. */
  public static final class RepairException extends RuntimeException {
    public RepairException(String message) {
      super(message);
    }
  }

  /** The file name of a sink's manifest: beside its target, hidden. */
  static String manifestName(Path target, String publicationId) {
    return "." + target.getFileName() + "." + publicationId + ".elspeth-manifest";
  }

  /**
   * Deletes what a crash left beside a file sink's target and no publication refers to any more:
   * staged files ({@code .<name><random>.tmp}) and manifests ({@code
   * .<name>.<id>.elspeth-manifest}) of writes that never recorded their intent. Call it only once
   * every publication of the runs that write {@code target} is settled (after {@link #repairRun})
   * and while no run writes it.
   */
  public static int removeOrphans(Path target) {
    Path dir = target.toAbsolutePath().getParent();
    String prefix = "." + target.getFileName();
    if (dir == null || !Files.isDirectory(dir)) {
      return 0;
    }
    int removed = 0;
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (!name.startsWith(prefix)) {
          continue;
        }
        String rest = name.substring(prefix.length());
        boolean staged =
            rest.matches("-?[0-9]+" + java.util.regex.Pattern.quote(DurableFile.STAGED_SUFFIX));
        boolean manifest = rest.matches("\\.[0-9a-f]+\\.elspeth-manifest");
        if (staged || manifest) {
          Files.deleteIfExists(f);
          removed++;
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot clean the folder of {}: {}", target, e.getMessage());
    }
    if (removed > 0) {
      LOG.info("removed {} staged or manifest files left by a crash beside {}", removed, target);
    }
    return removed;
  }

  /**
   * Waits until every token of {@code manifest} is recorded in the Landscape (its {@code tokens}
   * row committed), so a sink never publishes output whose rows the audit trail does not yet hold:
   * the Landscape commit runs beside the sinks and may lag them (Flink commits a bundle's tail when
   * its buffer goes idle). Throws once {@code timeout} passes.
   */
  static void awaitTokensRecorded(
      LandscapeStore store, String manifest, String sinkName, java.time.Duration timeout)
      throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (SpillFiles.Reader reader = new SpillFiles.Reader(manifest, 0)) {
      List<Token> chunk = new ArrayList<>(CHUNK);
      Token t;
      boolean more = true;
      while (more) {
        chunk.clear();
        while (chunk.size() < CHUNK && (t = reader.next()) != null) {
          chunk.add(t);
        }
        more = chunk.size() == CHUNK;
        while (!chunk.isEmpty()
            && read(store, c -> recordedTokens(c, chunk)).size() < chunk.size()) {
          if (System.nanoTime() > deadline) {
            throw new IOException(
                "sink '"
                    + sinkName
                    + "' holds tokens whose records the"
                    + " Landscape has not committed after "
                    + timeout.toSeconds()
                    + " s; it does"
                    + " not publish output the audit trail does not hold");
          }
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the Landscape", e);
          }
        }
      }
    }
  }

  /**
   * Repairs every unsettled publication of {@code runId}, oldest first. {@code writers} are the
   * configured sinks' writers by sink name, asked whether a one-step publication committed.
   */
  public static Report repairRun(
      LandscapeStore store, String runId, Map<String, SinkWriter> writers) {
    List<SinkPublication> pending = read(store, c -> SinkPublications.unsettled(c, runId));
    Report report = new Report(0, 0, 0);
    for (int i = 0; i < pending.size(); i++) {
      SinkPublication p = pending.get(i);
      if (supersededByLater(p, pending.subList(i + 1, pending.size()))) {
        // A sink task Flink restarted published again over this output (a replacing write: an
        // appending one refuses to, see SinkWrite): its rows are the restarted attempt's now.
        LOG.info(
            "sink publication superseded by a restarted attempt run_id={} sink={} target={}",
            p.runId(),
            p.sinkName(),
            p.target());
        settle(store, p, "superseded");
        report = report.plus(new Report(1, 0, 0));
        continue;
      }
      report = report.plus(repair(store, p, writers.get(p.sinkName())));
    }
    if (report.publications() > 0) {
      LOG.info(
          "sink publications repaired run_id={} publications={} renamed={} outcomes={}",
          runId,
          report.publications(),
          report.renamed(),
          report.outcomesRecorded());
    }
    return report;
  }

  /**
   * Whether a later publication of the same sink and file was staged over {@code p}'s output and is
   * in place or can be put in place (its durable staged file is there): then {@code p}'s output is
   * replaced, whatever the order of the repairs.
   */
  private static boolean supersededByLater(SinkPublication p, List<SinkPublication> later) {
    if (p.staged() == null || p.newHash().equals(p.baseHash())) {
      return false;
    }
    for (SinkPublication q : later) {
      if (q.staged() != null
          && q.nodeId().equals(p.nodeId())
          && q.target().equals(p.target())
          && p.newHash().equals(q.baseHash())
          && (q.newHash().equals(hashOrNull(Path.of(q.target())))
              || q.newHash().equals(hashOrNull(Path.of(q.staged()))))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Settles every publication of a run whose pipeline finished (all its audit records are
   * committed) and deletes their manifests.
   */
  public static void settleRun(LandscapeStore store, String runId) {
    List<SinkPublication> pending = read(store, c -> SinkPublications.unsettled(c, runId));
    for (SinkPublication p : pending) {
      settle(store, p, "published");
    }
  }

  private static void settle(LandscapeStore store, SinkPublication p, String resolution) {
    SinkPublications.settle(store, p.publicationId(), resolution, System.currentTimeMillis());
    deleteQuietly(p.manifest());
    deleteQuietly(p.staged());
  }

  static Report repair(LandscapeStore store, SinkPublication p, @Nullable SinkWriter writer) {
    int renamed = 0;
    if (p.staged() == null) {
      AtTarget at = askTarget(store, p, writer);
      if (at == AtTarget.VOID) {
        abandon(store, p);
        return new Report(1, 0, 0);
      }
      renamed = at == AtTarget.FINISHED ? 1 : 0;
    } else {
      Path target = Path.of(p.target());
      String now = hashOrNull(target);
      if (!p.newHash().equals(now)) {
        Path staged = Path.of(p.staged());
        if (Files.exists(staged) && p.newHash().equals(hashOrNull(staged))) {
          try {
            DurableFile.publish(staged, target);
          } catch (IOException e) {
            throw new RepairException(
                "sink '"
                    + p.sinkName()
                    + "' of run "
                    + p.runId()
                    + ": cannot rename its staged output "
                    + staged
                    + " to "
                    + target
                    + ": "
                    + e.getMessage());
          }
          renamed = 1;
        } else if (java.util.Objects.equals(now, p.baseHash())) {
          // The target never changed, so no token of it has an outcome from this sink: the
          // publication is void and its rows are processed again.
          abandon(store, p);
          return new Report(1, 0, 0);
        } else {
          throw new RepairException(
              "sink '"
                  + p.sinkName()
                  + "' of run "
                  + p.runId()
                  + ": the Landscape recorded that "
                  + target
                  + " was being published with SHA-256 "
                  + p.newHash()
                  + " (publication "
                  + p.publicationId()
                  + "), but the file is "
                  + (now == null ? "absent" : "different (SHA-256 " + now + ")")
                  + ", neither that output nor what it replaced, and the staged output is gone: it"
                  + " was changed outside elspeth. Restore the file with that hash before resuming.");
        }
      }
    }
    long recorded = recordMissingOutcomes(store, p);
    CrashPoint.reached("resume.publication_repaired");
    settle(store, p, "published");
    return new Report(1, renamed, recorded);
  }

  /** What the target of a publication without a local staged file says of it. */
  private enum AtTarget {
    COMMITTED,
    FINISHED,
    VOID
  }

  /**
   * Asks the target of a publication made in one step (a transaction or a block list's commit)
   * whether it committed, and has output staged at the target (blocks) committed now if it did not
   * and the target never changed. The requests this makes to the target's service are the sink's
   * calls, recorded in the run that published under a sink_write operation of their own.
   */
  private static AtTarget askTarget(
      LandscapeStore store, SinkPublication p, @Nullable SinkWriter writer) {
    StepContext ctx =
        new StepContext(p.runId(), p.nodeId(), p.sinkName(), p.stepIndex(), Map.of(), null);
    String operationId = Ids.operationId();
    OperationCalls calls = new OperationCalls(p.runId(), operationId);
    Instant started = Instant.now();
    Map<String, Object> input = new java.util.LinkedHashMap<>();
    input.put("repair_of_publication", p.publicationId());
    input.put("target", p.target());
    String sink = "sink '" + p.sinkName() + "' of run " + p.runId();
    AtTarget at;
    try {
      java.util.Optional<Boolean> committed;
      try {
        if (writer != null) {
          // One client (one pool) for the question and the finishing, released below.
          writer.setup();
        }
        committed = writer == null ? java.util.Optional.empty() : writer.published(p, calls);
      } catch (IOException e) {
        throw new RepairException(
            sink
                + ": cannot ask "
                + p.target()
                + " whether publication "
                + p.publicationId()
                + " committed: "
                + e.getMessage());
      }
      if (committed.isEmpty() || writer == null) { // no writer: committed is empty
        throw new RepairException(
            sink
                + ": publication "
                + p.publicationId()
                + " to "
                + p.target()
                + " cannot be checked: the sink is not configured as it was");
      }
      try {
        at =
            committed.get()
                ? AtTarget.COMMITTED
                : writer.finishPublication(p, calls) ? AtTarget.FINISHED : AtTarget.VOID;
      } catch (IOException e) {
        throw new RepairException(
            sink
                + ": cannot finish publication "
                + p.publicationId()
                + " to "
                + p.target()
                + ": "
                + e.getMessage());
      }
    } catch (RepairException e) {
      recordCalls(store, ctx, operationId, started, input, calls, e.getMessage());
      throw e;
    } finally {
      if (writer != null) {
        writer.teardown();
      }
    }
    recordCalls(store, ctx, operationId, started, input, calls, null);
    return at;
  }

  /** Commits the repair's calls (if it made any) under their operation; failed: {@code error}. */
  private static void recordCalls(
      LandscapeStore store,
      StepContext ctx,
      String operationId,
      Instant started,
      Map<String, Object> input,
      OperationCalls calls,
      @Nullable String error) {
    if (calls.calls().isEmpty()) {
      return;
    }
    List<AuditRecord> records = new ArrayList<>();
    records.add(
        OperationAudit.finished(
            ctx,
            operationId,
            "sink_write",
            started,
            input,
            error == null ? Map.of("repaired", true) : null,
            error));
    records.addAll(calls.calls());
    store.commit(records);
  }

  private static void abandon(LandscapeStore store, SinkPublication p) {
    LOG.info(
        "sink publication abandoned (its target never changed) run_id={} sink={} target={}",
        p.runId(),
        p.sinkName(),
        p.target());
    settle(store, p, "abandoned");
  }

  private static long recordMissingOutcomes(LandscapeStore store, SinkPublication p) {
    if (p.tokenCount() == 0) {
      return 0;
    }
    String manifest = p.manifest();
    if (manifest == null || !Files.exists(Path.of(manifest))) {
      throw new RepairException(
          "sink '"
              + p.sinkName()
              + "' of run "
              + p.runId()
              + ": the manifest of the "
              + p.tokenCount()
              + " tokens it published ("
              + manifest
              + ") is gone, so their outcomes cannot be completed; restore it before resuming.");
    }
    StepContext ctx =
        new StepContext(p.runId(), p.nodeId(), p.sinkName(), p.stepIndex(), Map.of(), null);
    Instant at = Instant.ofEpochMilli(p.recordedMs());
    long recorded = 0;
    // Reads and commits take turns on the store's connections (SQLite's pool holds one).
    try (SpillFiles.Reader reader = new SpillFiles.Reader(manifest, 0)) {
      boolean artifactMissing = !read(store, c -> hasArtifact(c, p));
      String firstToken = null;
      List<Token> chunk = new ArrayList<>(CHUNK);
      Token t;
      while ((t = reader.next()) != null) {
        firstToken = firstToken == null ? t.tokenId() : firstToken;
        chunk.add(t);
        if (chunk.size() == CHUNK) {
          recorded += recordChunk(store, ctx, p, chunk, at);
          chunk.clear();
        }
      }
      if (!chunk.isEmpty()) {
        recorded += recordChunk(store, ctx, p, chunk, at);
      }
      if (artifactMissing && firstToken != null) {
        // As the sink does: the artifact names the node state of its first token.
        String first = firstToken;
        String firstState =
            read(store, c -> Optional.ofNullable(stateOf(c, first, p.nodeId()))).orElse(null);
        if (firstState == null) {
          throw new IllegalStateException(
              "token "
                  + firstToken
                  + " has no state at sink '"
                  + p.sinkName()
                  + "' after its outcome was recorded");
        }
        store.commit(List.of(artifact(p, firstState, at)));
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot complete the outcomes of sink '"
              + p.sinkName()
              + "' of run "
              + p.runId()
              + ": "
              + e.getMessage(),
          e);
    }
    return recorded;
  }

  /** Records a sink state and outcome for each of the chunk's tokens that has no outcome. */
  private static long recordChunk(
      LandscapeStore store, StepContext ctx, SinkPublication p, List<Token> chunk, Instant at) {
    Set<String> known = read(store, c -> recordedTokens(c, chunk));
    if (known.size() < chunk.size()) {
      throw new RepairException(
          "sink '"
              + p.sinkName()
              + "' of run "
              + p.runId()
              + " published "
              + p.target()
              + " with "
              + (chunk.size() - known.size())
              + " or more tokens the Landscape"
              + " has no record of (their rows' records had not been committed when the run died),"
              + " so that output cannot be certified; move it aside and start a new run");
    }
    Set<String> done = read(store, c -> terminal(c, chunk));
    List<AuditRecord> records = new ArrayList<>();
    // No token is the artifact's "first": a missing artifact is recorded after the chunks.
    WrittenSpillFile manifest =
        new WrittenSpillFile(
            Objects.requireNonNull(p.manifest(), "recordMissingOutcomes checked the manifest"),
            p.tokenCount(),
            "",
            "",
            p.artifactType(),
            p.target(),
            p.newHash(),
            p.newSize(),
            at,
            at,
            0.0);
    long missing = 0;
    for (Token t : chunk) {
      if (!done.contains(t.tokenId())) {
        manifest.emitFor(ctx, t, records::add);
        missing++;
      }
    }
    if (!records.isEmpty()) {
      store.commit(records);
    }
    return missing;
  }

  /** A query on a connection of its own, closed before anything is committed. */
  private static <T> T read(LandscapeStore store, LandscapeStore.TransactionWork<T> query) {
    try (Connection c = store.connection()) {
      return query.apply(c);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the Landscape " + store.url() + ": " + e.getMessage(), e);
    }
  }

  private static ArtifactRecord artifact(SinkPublication p, String stateId, Instant at) {
    return new ArtifactRecord(
        Ids.artifactId(),
        p.runId(),
        stateId,
        p.nodeId(),
        p.artifactType(),
        p.target(),
        p.newHash(),
        p.newSize(),
        null,
        at);
  }

  private static boolean hasArtifact(Connection c, SinkPublication p) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM artifacts WHERE run_id = ? AND sink_node_id = ?")) {
      ps.setString(1, p.runId());
      ps.setString(2, p.nodeId());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static @Nullable String stateOf(Connection c, String tokenId, String nodeId)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT state_id FROM node_states WHERE"
                + " token_id = ? AND node_id = ? ORDER BY attempt DESC")) {
      ps.setString(1, tokenId);
      ps.setString(2, nodeId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static Set<String> terminal(Connection c, List<Token> chunk) throws SQLException {
    return tokenIds(c, "SELECT token_id FROM token_outcomes WHERE is_terminal = 1 AND", chunk);
  }

  private static Set<String> recordedTokens(Connection c, List<Token> chunk) throws SQLException {
    return tokenIds(c, "SELECT token_id FROM tokens WHERE", chunk);
  }

  /** The ids of {@code chunk}'s tokens that {@code select} (ending in WHERE or AND) finds. */
  private static Set<String> tokenIds(Connection c, String select, List<Token> chunk)
      throws SQLException {
    Set<String> done = new HashSet<>();
    String marks = String.join(", ", chunk.stream().map(t -> "?").toList());
    try (PreparedStatement ps = c.prepareStatement(select + " token_id IN (" + marks + ")")) {
      int i = 1;
      for (Token t : chunk) {
        ps.setString(i++, t.tokenId());
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          done.add(rs.getString(1));
        }
      }
    }
    return done;
  }

  private static @Nullable String hashOrNull(Path file) {
    if (!Files.exists(file)) {
      return null;
    }
    try {
      return DurableFile.artifactOf(file).contentHash();
    } catch (IOException e) {
      throw new RepairException("cannot read " + file + " to check it: " + e.getMessage());
    }
  }

  private static void deleteQuietly(@Nullable String path) {
    if (path == null) {
      return;
    }
    try {
      Files.deleteIfExists(Path.of(path));
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", path, e.getMessage());
    }
  }
}
