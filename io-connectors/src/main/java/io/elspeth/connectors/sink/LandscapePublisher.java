package io.elspeth.connectors.sink;

import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.publication.SinkPublications;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.audit.token.Ids;
import io.elspeth.audit.token.Token;
import io.elspeth.plugin.StepContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The sink's side of the publication protocol: once the output is staged, the manifest of its
 * tokens is written durably beside it and the intent to publish is committed to the Landscape; only
 * then does the writer replace the target.
 */
final class LandscapePublisher implements SinkWriter.Publisher {
  /** How long a sink waits for the Landscape to record its tokens before it publishes. */
  static final Duration TOKENS_RECORDED_TIMEOUT = Duration.ofMinutes(10);

  private final StepContext ctx;
  private final SinkWriter writer;
  private final LandscapeUrl url;
  private final List<SpillFiles.SpillFile> spills;
  private final String publicationId = Ids.groupId();

  private LandscapePublisher(
      StepContext ctx, SinkWriter writer, LandscapeUrl url, List<SpillFiles.SpillFile> spills) {
    this.ctx = ctx;
    this.writer = writer;
    this.url = url;
    this.spills = spills;
  }

  /**
   * The publisher of {@code spills} written by {@code writer}; none without a Landscape (a step
   * tested alone), and the writer publishes at once.
   */
  static SinkWriter.@Nullable Publisher of(
      StepContext ctx, SinkWriter writer, List<SpillFiles.SpillFile> spills) {
    LandscapeUrl url = ctx.landscape();
    return url == null ? null : new LandscapePublisher(ctx, writer, url, spills);
  }

  @Override
  public String publicationId() {
    return publicationId;
  }

  @Override
  public void beforePublish(SinkWriter.Staging staging) throws IOException {
    Path manifest = manifestPath(staging);
    long tokens = SpillFiles.writeDurable(manifest, SpillFiles.merge(spills));
    DurableFile.syncDirectory(
        Objects.requireNonNull(manifest.getParent(), "a manifest is a file in a directory"));
    SinkWriter.Artifact base = staging.base();
    SinkPublication publication =
        new SinkPublication(
            publicationId,
            ctx.runId(),
            ctx.nodeId(),
            ctx.nodeName(),
            ctx.stepIndex(),
            staging.output().artifactType(),
            staging.target(),
            staging.staged(),
            manifest.toString(),
            tokens,
            base == null ? null : base.sizeBytes(),
            base == null ? null : base.contentHash(),
            staging.output().sizeBytes(),
            staging.output().contentHash(),
            System.currentTimeMillis(),
            null);
    LandscapeStore store = LandscapeStores.acquire(url);
    try {
      refuseToAppendToALostAttempt(store, staging);
      awaitTokensRecorded(store, manifest.toString(), ctx.nodeName(), TOKENS_RECORDED_TIMEOUT);
      SinkPublications.record(store, publication);
    } catch (IOException e) {
      Files.deleteIfExists(manifest);
      throw e;
    } catch (RuntimeException e) {
      Files.deleteIfExists(manifest);
      throw new IOException(
          "cannot record the publication of "
              + staging.target()
              + " in the Landscape: "
              + e.getMessage(),
          e);
    } finally {
      LandscapeStores.release(url);
    }
  }

  /**
   * Waits until every token of {@code manifest} is recorded in the Landscape (its {@code tokens}
   * row committed), so a sink never publishes output whose rows the audit trail does not yet hold:
   * the Landscape commit runs beside the sinks and may lag them (Flink commits a bundle's tail when
   * its buffer goes idle). Throws once {@code timeout} passes.
   */
  static void awaitTokensRecorded(
      LandscapeStore store, String manifest, String sinkName, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (SpillFiles.Reader reader = new SpillFiles.Reader(manifest, 0)) {
      List<Token> chunk = new ArrayList<>(LandscapeTokens.CHUNK);
      Token t;
      boolean more = true;
      while (more) {
        chunk.clear();
        while (chunk.size() < LandscapeTokens.CHUNK && (t = reader.next()) != null) {
          chunk.add(t);
        }
        more = chunk.size() == LandscapeTokens.CHUNK;
        while (!chunk.isEmpty()
            && LandscapeTokens.read(store, c -> LandscapeTokens.recordedTokens(c, chunk)).size()
                < chunk.size()) {
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
   * Refuses to publish when an earlier attempt of this sink in this run (a task Flink restarted)
   * already published the target and died before the run settled it, and this write appends to that
   * output: the rows would be in the file twice, the earlier attempt's copy under tokens the
   * restarted job replaced. The run fails instead, and a resume finishes it from the Landscape (the
   * repair completes the earlier publication's outcomes). A write that replaces the target replaces
   * the earlier output too, and goes on. A one-step writer (the database sink: no base to compare)
   * asks the target whether the earlier publication committed.
   */
  private void refuseToAppendToALostAttempt(LandscapeStore store, SinkWriter.Staging staging)
      throws IOException {
    SinkWriter.Artifact base = staging.base();
    if (!writer.appends()) {
      return;
    }
    List<SinkPublication> unsettled;
    try (Connection c = store.connection()) {
      unsettled = SinkPublications.unsettled(c, ctx.runId());
    } catch (SQLException e) {
      throw new IOException(
          "cannot read the sink publications of run " + ctx.runId() + ": " + e.getMessage(), e);
    }
    for (SinkPublication earlier : unsettled) {
      if (!earlier.nodeId().equals(ctx.nodeId()) || !earlier.target().equals(staging.target())) {
        continue;
      }
      boolean lostOutputIsThere =
          base != null
              ? earlier.newHash().equals(base.contentHash())
                  && !earlier.newHash().equals(earlier.baseHash())
              : earlier.staged() == null && writer.published(earlier.publicationId()).orElse(false);
      if (lostOutputIsThere) {
        throw new IOException(
            "an earlier attempt of this sink in run "
                + ctx.runId()
                + " published "
                + staging.target()
                + " (publication "
                + earlier.publicationId()
                + ") and was lost before the run recorded its outcomes; this attempt appends to"
                + " that output and would write its rows twice, so it stops: `elspeth resume "
                + ctx.runId()
                + "` finishes the run from the Landscape");
      }
    }
  }

  /**
   * Where a publication's manifest goes: beside a staged file (the same folder as the target), else
   * in the run's payload store ({@code sink-manifests/}).
   */
  private Path manifestPath(SinkWriter.Staging staging) throws IOException {
    if (staging.staged() != null) {
      return Path.of(staging.staged())
          .resolveSibling(PublicationRepair.manifestName(Path.of(staging.target()), publicationId));
    }
    Path dir =
        Path.of(
                ctx.payloadStore() != null
                    ? ctx.payloadStore()
                    : System.getProperty("java.io.tmpdir"))
            .resolve("sink-manifests");
    Files.createDirectories(dir);
    return dir.resolve(publicationId + ".elspeth-manifest");
  }
}
