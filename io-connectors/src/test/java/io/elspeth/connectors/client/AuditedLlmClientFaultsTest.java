package io.elspeth.connectors.client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import io.elspeth.audit.payload.FilesystemPayloadStore;
import io.elspeth.audit.payload.PayloadStore;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;
import io.elspeth.testkit.chaosllm.FaultKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The OpenRouter client against every fault ChaosLLM injects: one attempt is one call record,
 * whatever came back, and a failure is a classified {@link ExternalCallException} (never a runtime
 * exception); a 200 that is not a chat completion is recorded as an error with the response as
 * received. The Azure client is covered end to end (it needs the JVM trust store).
 */
class AuditedLlmClientFaultsTest {
  private static ChaosLlmServer server;

  @BeforeAll
  static void start() {
    server = ChaosLlmServer.start(ChaosConfig.builder().build());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static ChaosConfig only(FaultKind kind) {
    return ChaosConfig.builder()
        .fault(kind, 100)
        .timeoutSec(1, 1)
        .connectionFailedLeadSec(0, 0.01)
        .connectionStallSec(0, 0, 1, 1)
        .slowResponseSec(0.01, 0.02)
        .retryAfterSec(0, 0)
        .build();
  }

  private static AuditedLlmClient.ChatRequest request() {
    return AuditedLlmClient.ChatRequest.of("m", null, "hello", 0.0, null, false);
  }

  @ParameterizedTest
  @EnumSource(FaultKind.class)
  void everyFaultIsOneRecordedCall(FaultKind kind) throws Exception {
    server.reconfigure(only(kind));
    server.reset();
    RecordingCallSink sink = new RecordingCallSink();
    try (AuditedLlmClient client =
        AuditedLlmClient.openRouter(
            server.httpUrl() + "/api/v1", "sk-test", Duration.ofMillis(400))) {
      boolean succeeded;
      try {
        client.chat(request(), sink);
        succeeded = true;
      } catch (ExternalCallException e) {
        succeeded = false;
        assertThat(e.getMessage(), notNullValue());
      }
      List<CallRecord> calls = sink.calls();
      assertThat(kind.key(), calls, hasSize(1));
      assertThat(kind.key(), server.stats().totalRequests(), is(1L));
      CallRecord call = calls.get(0);
      assertThat(kind.key(), call.status(), is(succeeded ? "success" : "error"));
      assertThat(
          kind.key(),
          succeeded,
          is(kind == FaultKind.SLOW_RESPONSE || kind == FaultKind.SCHEMA_VIOLATION));
      if (kind.category() == FaultKind.Category.MALFORMED && !succeeded) {
        assertThat("the answer as received is kept", call.responseHash(), notNullValue());
        assertThat(call.errorJson(), containsString("status_code"));
      }
    }
  }

  @Test
  void credentialsInTheBaseUrlAreFingerprintedInTheRecordedRequest(@TempDir Path dir)
      throws Exception {
    server.reconfigure(ChaosConfig.builder().build());
    PayloadStore store = FilesystemPayloadStore.at(dir);
    List<CallRecord> calls = new ArrayList<>();
    CallSink sink =
        new CallSink() {
          @Override
          public String stateId() {
            return "s";
          }

          @Override
          public int nextCallIndex() {
            return calls.size();
          }

          @Override
          public void record(CallRecord call) {
            calls.add(call);
          }

          @Override
          public PayloadStore payloads() {
            return store;
          }
        };
    String base =
        server.httpUrl().toString().replace("://", "://user:PASSWORD@")
            + "/api/v1?api_key=KEYVALUE&code=CODEVALUE&tier=TIERVALUE&model=m1";
    try (AuditedLlmClient client =
        AuditedLlmClient.openRouter(base, "sk-test", Duration.ofSeconds(5), List.of("tier"))) {
      client.chat(request(), sink);
    }
    assertThat(calls, hasSize(1));
    assertThat(calls.get(0).status(), is("success"));
    String recorded = new String(store.retrieve(calls.get(0).requestRef()), StandardCharsets.UTF_8);
    for (String secret : List.of("PASSWORD", "KEYVALUE", "CODEVALUE", "TIERVALUE", "sk-test")) {
      assertThat(recorded, not(containsString(secret)));
    }
    assertThat(
        "the rest of the URL stays, the path before the query",
        recorded,
        containsString("/api/v1/chat/completions?api_key=<fingerprint:"));
    assertThat(recorded, containsString("&model=m1"));
  }
}
