package io.elspeth.connectors.replay;

import io.elspeth.audit.store.LandscapeUrl;
import java.io.Serializable;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The recorded run a replay or verify run answers from or compares with ({@code run_mode}, {@code
 * replay_from}): the Landscape holding it and the payload store holding its call payloads.
 * Serializable, so it travels to the workers in a step's context.
 *
 * @param mode {@code replay} or {@code verify}
 * @param sourceRunId the recorded run ({@code replay_from})
 * @param runId the run replaying it (so two replays in one JVM count occurrences apart)
 * @param payloadStore base folder of the payload store; null when payloads are not stored
 */
public record ReplaySource(
    String mode,
    String sourceRunId,
    String runId,
    LandscapeUrl landscape,
    @Nullable String payloadStore)
    implements Serializable {
  public static final String LIVE = "live";
  public static final String REPLAY = "replay";
  public static final String VERIFY = "verify";

  public ReplaySource {
    if (!REPLAY.equals(mode) && !VERIFY.equals(mode)) {
      throw new IllegalArgumentException("mode must be replay or verify, got " + mode);
    }
  }

  /** Whether calls are answered from the recording instead of the network. */
  public boolean replays() {
    return REPLAY.equals(mode);
  }
}
