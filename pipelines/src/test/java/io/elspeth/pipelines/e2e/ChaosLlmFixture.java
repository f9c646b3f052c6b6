package io.elspeth.pipelines.e2e;

import io.elspeth.testkit.chaosllm.ChaosBatchApi;
import io.elspeth.testkit.chaosllm.ChaosConfig;
import io.elspeth.testkit.chaosllm.ChaosLlmServer;

/**
 * One ChaosLLM server for the whole test JVM, reconfigured per test. The JVM's default TLS context
 * reads {@code javax.net.ssl.trustStore} once, so the server whose certificate it trusts must be
 * the only one: it is started before the first TLS connection and never replaced. Product code
 * trusts it only through those standard properties.
 */
public final class ChaosLlmFixture {
  private static ChaosLlmServer server;

  private ChaosLlmFixture() {}

  /**
   * The shared server, now running {@code config} with fresh counters and Batch API jobs that
   * complete at once without faults (a test that wants others configures them).
   */
  public static synchronized ChaosLlmServer with(ChaosConfig config) {
    install(config);
    server.reset();
    server.batchApi().configure(ChaosBatchApi.Behaviour.immediate());
    return server;
  }

  /**
   * Starts the shared server and points the JVM's trust store at it, once; later calls only
   * reconfigure it. {@link ChaosLlmTrust} calls this before the first test of the JVM, so no
   * earlier TLS use (an exporter, a blob client) can fix the default trust store first.
   */
  public static synchronized void install(ChaosConfig config) {
    if (server == null) {
      server = ChaosLlmServer.start(config);
      System.setProperty("javax.net.ssl.trustStore", server.trustStorePath().toString());
      System.setProperty("javax.net.ssl.trustStorePassword", server.trustStorePassword());
      System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
      ChaosLlmServer started = server;
      Runtime.getRuntime().addShutdownHook(new Thread(started::close));
    } else {
      server.reconfigure(config);
    }
  }
}
