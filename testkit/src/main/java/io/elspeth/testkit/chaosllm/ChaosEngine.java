package io.elspeth.testkit.chaosllm;

import java.time.Instant;
import java.util.Random;
import java.util.UUID;

/** The live configuration and everything seeded from it, swapped whole on reconfigure/reset. */
record ChaosEngine(
    ChaosConfig config,
    FaultInjector faults,
    ResponseGenerator responses,
    ContentSafetyScorer scorer,
    String runId,
    Instant started) {
  static ChaosEngine of(ChaosConfig config) {
    Random faultRandom = config.seed() == null ? new Random() : new Random(config.seed());
    // A second stream for generated text, so changing the response mode leaves the fault sequence
    // as it was.
    Random textRandom = config.seed() == null ? new Random() : new Random(config.seed() * 31 + 7);
    return new ChaosEngine(
        config,
        new FaultInjector(config.errorInjection(), faultRandom),
        new ResponseGenerator(config.response(), textRandom),
        new ContentSafetyScorer(config.contentSafety(), config.promptShield()),
        UUID.randomUUID().toString(),
        Instant.now());
  }
}
