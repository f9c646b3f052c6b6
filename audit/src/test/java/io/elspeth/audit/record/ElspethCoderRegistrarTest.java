package io.elspeth.audit.record;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.sameInstance;

import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;

/** Beam finds the project's coders with nothing registered by the user. */
class ElspethCoderRegistrarTest {
  private final CoderRegistry registry =
      Pipeline.create(PipelineOptionsFactory.create()).getCoderRegistry();

  @Test
  void tokensGetTheTokenCoder() throws Exception {
    assertThat(registry.getCoder(Token.class), sameInstance((Object) TokenCoder.of()));
  }

  @Test
  void auditRecordsOfAnyTypeGetTheAuditRecordCoder() throws Exception {
    assertThat(registry.getCoder(AuditRecord.class), sameInstance((Object) AuditRecordCoder.of()));
    assertThat(
        registry.getCoder(NodeStateRecord.class), sameInstance((Object) AuditRecordCoder.of()));
  }
}
