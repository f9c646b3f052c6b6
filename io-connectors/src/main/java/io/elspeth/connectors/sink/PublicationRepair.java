package io.elspeth.connectors.sink;

import io.elspeth.audit.crash.CrashPoint;
import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.publication.SinkPublications;
import io.elspeth.audit.store.LandscapeStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
   * Repairs every unsettled publication of {@code runId}, oldest first. {@code writers} are the
   * configured sinks' writers by sink name, asked whether a one-step publication committed.
   */
  public static Report repairRun(
      LandscapeStore store, String runId, Map<String, SinkWriter> writers) {
    List<SinkPublication> pending =
        LandscapeTokens.read(store, c -> SinkPublications.unsettled(c, runId));
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
    List<SinkPublication> pending =
        LandscapeTokens.read(store, c -> SinkPublications.unsettled(c, runId));
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
      OneStepPublicationCheck.AtTarget at = OneStepPublicationCheck.ask(store, p, writer);
      if (at == OneStepPublicationCheck.AtTarget.VOID) {
        abandon(store, p);
        return new Report(1, 0, 0);
      }
      renamed = at == OneStepPublicationCheck.AtTarget.FINISHED ? 1 : 0;
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
        } else if (Objects.equals(now, p.baseHash())) {
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
    long recorded = ManifestOutcomes.recordMissing(store, p);
    CrashPoint.reached("resume.publication_repaired");
    settle(store, p, "published");
    return new Report(1, renamed, recorded);
  }

  private static void abandon(LandscapeStore store, SinkPublication p) {
    LOG.info(
        "sink publication abandoned (its target never changed) run_id={} sink={} target={}",
        p.runId(),
        p.sinkName(),
        p.target());
    settle(store, p, "abandoned");
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
