package io.elspeth.connectors.sink;

import io.elspeth.connectors.operation.OperationCalls;
import java.io.IOException;
import java.io.Serializable;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes all rows of one sink durably, in the order given, and describes what it produced. A writer
 * returns only once the output is durable (for files: written, fsynced and renamed into place; for
 * a blob: committed; for a database: the transaction committed), because outcomes are recorded
 * after it returns.
 *
 * <p>A writer that talks to an external service records each call (upload, INSERT batch) in {@code
 * calls}, under the sink_write operation; a failed call is recorded before the writer throws, so
 * the failure leaves its trail. Local file writers record no calls: a file is an operation and an
 * artifact.
 *
 * <p>A writer has the lifecycle of the DoFn that uses it: {@link #setup()} from the DoFn's
 * {@code @Setup} acquires what it talks to (the database sink's connection pool, the blob sink's
 * service client) once per DoFn instance, and {@link #teardown()} from its {@code @Teardown}
 * releases it; each DoFn instance holds its own deserialized copy of the writer. A writer used
 * outside a DoFn without {@code setup()} (a test, a post-run export) acquires them for each call
 * and releases them before it returns.
 */
public interface SinkWriter extends Serializable {
  /**
   * Acquires what this writer talks to, kept until {@link #teardown()}; a no-op for writers that
   * hold nothing (the file writers). Cheap and offline: a target that cannot be reached fails the
   * first call that needs it, where the failure is recorded as a call of the write.
   */
  default void setup() throws IOException {}

  /** Releases what {@link #setup()} acquired; safe to call when it did not run. */
  default void teardown() {}

  /**
   * Writes {@code rows}, in their order. The rows may be iterated more than once (a writer that
   * needs the fields of every row before the first one, as a CSV header does, makes two passes);
   * each pass may read them from disk, so a writer should not hold them all.
   */
  Artifact write(Iterable<Map<String, Object>> rows, OperationCalls calls) throws IOException;

  /**
   * Writes like {@link #write(Iterable, OperationCalls)}, but stages the output durably first and
   * hands it to {@code publisher} before the target changes, so the Landscape records what is about
   * to be published (see {@link Publisher}). A writer that cannot stage its output ignores the
   * publisher.
   */
  default Artifact write(
      Iterable<Map<String, Object>> rows, OperationCalls calls, @Nullable Publisher publisher)
      throws IOException {
    return write(rows, calls);
  }

  /**
   * Why this writer cannot write {@code row} (a value its format, encoding or column cannot hold),
   * or empty when it can. Every row a sink receives is checked before any sink stages its output,
   * so such a row is handled by the sink's {@code on_write_failure} (discarded, diverted to another
   * sink, or failing the run before anything is published) instead of failing the write half-way or
   * being silently altered. The reason names fields, never their values.
   */
  default java.util.Optional<String> cannotWrite(Map<String, Object> row) {
    return java.util.Optional.empty();
  }

  /**
   * A check of rows against the target itself, for what only the target knows (the constraints of
   * an existing database table); empty when {@link #cannotWrite} knows everything. It is asked once
   * over all rows of the sink, in source order, before any sink stages its output, and its refusals
   * are handled by {@code on_write_failure} like those of {@link #cannotWrite}.
   */
  default java.util.Optional<TargetCheck> targetCheck() {
    return java.util.Optional.empty();
  }

  /**
   * Rows tried against the target without changing it (see {@link SinkWriter#targetCheck}). It has
   * its writer's lifecycle: {@code setup}/{@code teardown} from the checking DoFn's own.
   */
  interface TargetCheck extends Serializable {
    /** Acquires what the check talks to, as {@link SinkWriter#setup()} does. */
    default void setup() throws IOException {}

    /** Releases what {@link #setup()} acquired. */
    default void teardown() {}

    /**
     * The rows the target refuses, by their position in {@code rows} (from 0), with the target's
     * reason; a row refused because of an earlier row of {@code rows} (a duplicate key) is refused
     * and the earlier one kept. Leaves the target as it was. Throws when the rows cannot be tried
     * at all (the target is unreachable, a column is missing): that fails the run.
     */
    java.util.SortedMap<Long, String> refused(Iterable<Map<String, Object>> rows)
        throws IOException;
  }

  /** Where the output goes, for plans and messages; never holds a secret. */
  String target();

  /** The dataset written, for Beam's lineage metric (default: the target as a file). */
  default io.elspeth.connectors.lineage.DatasetName dataset() {
    return io.elspeth.connectors.lineage.DatasetName.file(target());
  }

  /**
   * The dataset a run with id {@code runId} writes: {@link #dataset()} unless the target's name
   * depends on the run (a blob path templated with {@code run_id}).
   */
  default io.elspeth.connectors.lineage.DatasetName dataset(String runId) {
    return dataset();
  }

  /**
   * Whether {@link #write} keeps what the target holds and adds the rows to it (a resumed run's
   * {@code mode: append}), rather than replacing it.
   */
  default boolean appends() {
    return false;
  }

  /** What a sink write produced: an artifacts row. */
  record Artifact(String artifactType, String pathOrUri, String contentHash, long sizeBytes) {}

  /**
   * Output staged durably and about to replace its target.
   *
   * @param staged the staged file; null when the writer publishes in one step (its transaction is
   *     open and commits next)
   * @param base the target as it is before publishing; null when it does not exist
   * @param output the target as it will be once published
   */
  record Staging(
      String target, @Nullable String staged, @Nullable Artifact base, Artifact output) {}

  /**
   * Called between staging and publishing. It records the intent to publish; if it throws, the
   * target is left as it was.
   */
  interface Publisher {
    /**
     * The id under which the publication is recorded (a one-step writer marks its commit with it).
     */
    String publicationId();

    void beforePublish(Staging staging) throws IOException;
  }

  /**
   * For a writer that publishes in one step (a transaction) rather than by staging a file: whether
   * the publication {@code publicationId} committed. Empty for writers that stage.
   */
  default java.util.Optional<Boolean> published(String publicationId) throws IOException {
    return java.util.Optional.empty();
  }

  /**
   * For a writer that does not stage a local file (its {@link Staging#staged()} is null): whether
   * publication {@code p} changed its target. Writers whose target names the publication by its id
   * alone ask {@link #published(String)}; a blob is found by the target the publication recorded.
   * Requests to an external service are recorded in {@code calls}.
   */
  default java.util.Optional<Boolean> published(
      io.elspeth.audit.publication.SinkPublication p, OperationCalls calls) throws IOException {
    return published(p.publicationId());
  }

  /**
   * For a writer whose staged output lives at its target's own service (a blob's uncommitted
   * blocks): publishes the output that interrupted publication {@code p} staged, when the target is
   * still as {@code p} found it, and returns true; false when the target never changed and the
   * output cannot be published (the publication is void: its rows are written again). Throws when
   * the target changed otherwise. Other writers return false: a rolled-back transaction left
   * nothing to finish. Requests to an external service are recorded in {@code calls}.
   */
  default boolean finishPublication(
      io.elspeth.audit.publication.SinkPublication p, OperationCalls calls) throws IOException {
    return false;
  }
}
