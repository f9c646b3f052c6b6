package io.elspeth.pipelines.launch;

import java.util.Locale;

/**
 * The steps of a run a {@link RunObserver} hears about, named as ELSPETH's CLI events name them.
 */
public enum RunPhase {
  /** The settings turned into a Beam pipeline. */
  GRAPH,
  /** The rows flow: source, transforms, gates, sinks, Landscape commits. */
  PROCESS,
  /** The run checked against its Landscape record (RunReconciliation) and completed. */
  RECONCILE,
  /** The completed run's audit trail exported to its sink ({@code landscape.export}). */
  EXPORT;

  /** The phase's name in events ({@code graph}, {@code process}, {@code reconcile}). */
  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }
}
