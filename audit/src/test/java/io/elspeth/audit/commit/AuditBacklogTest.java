package io.elspeth.audit.commit;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class AuditBacklogTest {
  private static final AuditBacklog.Kind K = AuditBacklog.Kind.SINK_OUTCOMES;

  private static String run() {
    return "run-" + UUID.randomUUID();
  }

  @Test
  void readersAreNotHeldBackByACommitThatHasNotCommittedASinkOutcome() {
    String run = run();
    AuditBacklog.emitter(run, K).accept(1_000_000);
    assertThat(
        "no commit seen (the audit not committed): never behind",
        AuditBacklog.behind(run, K, 10),
        is(false));
    assertThat("an unknown run is never behind", AuditBacklog.behind(run(), K, 10), is(false));
  }

  @Test
  void behindWhileMoreThanTheLimitIsUncommittedAndTheCommitProgresses() {
    String run = run();
    AuditBacklog.emitter(run, K).accept(100);
    AuditBacklog.committed(run, K, 10);
    assertThat(AuditBacklog.behind(run, K, 50), is(true));
    assertThat(AuditBacklog.behind(run, K, 90), is(false));
    AuditBacklog.committed(run, K, 60);
    assertThat(AuditBacklog.behind(run, K, 50), is(false));
  }

  @Test
  void kindsAreCountedApart() {
    String run = run();
    AuditBacklog.emitter(run, AuditBacklog.Kind.SOURCE_ROWS).accept(100);
    AuditBacklog.committed(run, AuditBacklog.Kind.SOURCE_ROWS, 1);
    AuditBacklog.committed(run, K, 1);
    assertThat(AuditBacklog.behind(run, AuditBacklog.Kind.SOURCE_ROWS, 50), is(true));
    assertThat(AuditBacklog.behind(run, K, 50), is(false));
  }

  @Test
  void runsAreCountedApart() {
    String a = run();
    String b = run();
    AuditBacklog.emitter(a, K).accept(100);
    AuditBacklog.committed(a, K, 1);
    AuditBacklog.committed(b, K, 1);
    assertThat(AuditBacklog.behind(a, K, 50), is(true));
    assertThat(AuditBacklog.behind(b, K, 50), is(false));
  }
}
