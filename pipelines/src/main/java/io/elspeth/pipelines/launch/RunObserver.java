package io.elspeth.pipelines.launch;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Hears, in the launcher's process, what a run is doing: its phases and, while rows flow, its
 * progress as read from the Landscape. Called from the launcher's thread (phases) and from its
 * progress thread (progress), never at once; an observer must not throw.
 */
public interface RunObserver {
  /** An observer that ignores everything. */
  RunObserver NONE = new RunObserver() {};

  /** A phase began; {@code target} names what it works on (the source plugin), if anything. */
  default void phaseStarted(RunPhase phase, String action, @Nullable String target) {}

  default void phaseCompleted(RunPhase phase, double durationSeconds) {}

  default void phaseError(RunPhase phase, String error, @Nullable String target) {}

  default void progress(RunProgress progress) {}
}
