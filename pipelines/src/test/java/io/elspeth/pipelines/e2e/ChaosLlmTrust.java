package io.elspeth.pipelines.e2e;

import io.elspeth.testkit.chaosllm.ChaosConfig;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs the shared ChaosLLM server's trust store when the test JVM's launcher session opens,
 * before any test. The JVM reads {@code javax.net.ssl.trustStore} once, at its first TLS use: a
 * test class that made a TLS connection before the first LLM test (the OTLP exporter's client, say)
 * left every later LLM call failing PKIX path validation, so the LLM tests passed only in the order
 * that ran them first. Registered in {@code META-INF/services}.
 */
public final class ChaosLlmTrust implements LauncherSessionListener {
  @Override
  public void launcherSessionOpened(LauncherSession session) {
    ChaosLlmFixture.install(ChaosConfig.builder().build());
  }
}
