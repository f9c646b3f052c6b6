package io.elspeth.connectors.sink;

import static io.elspeth.connectors.sink.LandscapeTokens.CHUNK;
import static io.elspeth.connectors.sink.LandscapeTokens.read;

import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.record.ArtifactRecord;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.connectors.sink.PublicationRepair.RepairException;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Completes a repaired publication's audit trail from its manifest: every token without a terminal
 * outcome gets its sink node state and outcome recorded in the run that wrote it, and the sink its
 * artifact when it has none, as the sink would have recorded them.
 */
final class ManifestOutcomes {
  private ManifestOutcomes() {}

  /** Records what is missing of {@code p}'s tokens; returns how many outcomes it recorded. */
  static long recordMissing(LandscapeStore store, SinkPublication p) {
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
      boolean artifactMissing = !read(store, c -> LandscapeTokens.hasArtifact(c, p));
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
            read(store, c -> Optional.ofNullable(LandscapeTokens.stateOf(c, first, p.nodeId())))
                .orElse(null);
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
    Set<String> known = read(store, c -> LandscapeTokens.recordedTokens(c, chunk));
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
    Set<String> done = read(store, c -> LandscapeTokens.terminal(c, chunk));
    List<AuditRecord> records = new ArrayList<>();
    // No token is the artifact's "first": a missing artifact is recorded after the chunks.
    WrittenSpillFile manifest =
        new WrittenSpillFile(
            Objects.requireNonNull(p.manifest(), "recordMissing checked the manifest"),
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
}
