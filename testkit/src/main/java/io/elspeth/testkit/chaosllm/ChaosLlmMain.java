package io.elspeth.testkit.chaosllm;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code chaosllm serve|presets|show-config}: runs a {@link ChaosLlmServer} until killed, with the
 * reference ChaosLLM's precedence (flags over {@code --config} file over {@code --preset} over
 * defaults). {@code bin/elspeth chaosllm ...} runs this class from the testkit jar.
 */
@Command(
    name = "chaosllm",
    mixinStandardHelpOptions = true,
    description =
        "ChaosLLM: fault-injecting fake OpenAI / Azure OpenAI / Azure Content Safety server.",
    subcommands = {
      ChaosLlmMain.Serve.class,
      ChaosLlmMain.Presets.class,
      ChaosLlmMain.ShowConfig.class
    })
public final class ChaosLlmMain implements Runnable {
  @Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new ChaosLlmMain());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof ChaosConfigException) {
            commandLine.getErr().println("chaosllm: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options shared by {@code serve} and {@code show-config}. */
  static class ConfigOptions {
    @Option(
        names = {"-p", "--preset"},
        description = "silent, gentle, realistic, chaos, stress_aimd, stress_extreme")
    @Nullable String preset;

    @Option(
        names = {"-c", "--config"},
        description = "YAML configuration file (reference ChaosLLM layout)")
    @Nullable Path config;

    @Option(names = "--host", description = "address to bind (default 127.0.0.1)")
    @Nullable String host;

    @Option(
        names = {"-P", "--port"},
        description = "HTTP port (default 8000; 0 = a free port)")
    @Nullable Integer port;

    @Option(
        names = "--https-port",
        description = "HTTPS port (default: HTTP port + 1, or free when the HTTP port is 0)")
    @Nullable Integer httpsPort;

    @Option(
        names = "--tls-dir",
        description =
            "where to write the certificate and truststore (default: a temporary directory)")
    @Nullable Path tlsDir;

    @Option(names = "--seed", description = "seed every random choice, for reproducible runs")
    @Nullable Long seed;

    @Option(names = "--rate-limit-pct", description = "429 with Retry-After, percent")
    @Nullable Double rateLimitPct;

    @Option(names = "--capacity-529-pct", description = "529 model overloaded, percent")
    @Nullable Double capacityPct;

    @Option(names = "--service-unavailable-pct", description = "503, percent")
    @Nullable Double serviceUnavailablePct;

    @Option(names = "--internal-error-pct", description = "500, percent")
    @Nullable Double internalErrorPct;

    @Option(
        names = "--error-pct",
        description = "server errors spread evenly over 500/502/503/504, percent in total")
    @Nullable Double errorPct;

    @Option(names = "--timeout-pct", description = "held requests, percent")
    @Nullable Double timeoutPct;

    @Option(names = "--selection-mode", description = "priority or weighted")
    @Nullable String selectionMode;

    @Option(
        names = {"--latency-ms", "--base-ms"},
        description = "base latency of each response, ms")
    @Nullable Integer latencyMs;

    @Option(names = "--jitter-ms", description = "latency jitter (+/-), ms")
    @Nullable Integer jitterMs;

    @Option(names = "--response-mode", description = "random, template, echo or preset")
    @Nullable String responseMode;

    @Option(names = "--burst-enabled", negatable = true, description = "periodic 429/529 storms")
    @Nullable Boolean burst;

    @Option(names = "--burst-interval-sec", description = "seconds between burst starts")
    @Nullable Integer burstIntervalSec;

    @Option(names = "--burst-duration-sec", description = "seconds each burst lasts")
    @Nullable Integer burstDurationSec;

    ChaosConfig load() {
      Map<String, Object> server = new LinkedHashMap<>();
      put(server, "host", host);
      put(server, "port", port);
      Integer https =
          httpsPort != null ? httpsPort : port != null ? (port == 0 ? 0 : port + 1) : null;
      put(server, "https_port", https);
      put(server, "tls_dir", tlsDir == null ? null : tlsDir.toString());
      Map<String, Object> errors = new LinkedHashMap<>();
      if (errorPct != null) {
        for (FaultKind kind :
            new FaultKind[] {
              FaultKind.INTERNAL_ERROR,
              FaultKind.BAD_GATEWAY,
              FaultKind.SERVICE_UNAVAILABLE,
              FaultKind.GATEWAY_TIMEOUT
            }) {
          errors.put(kind.key() + "_pct", errorPct / 4);
        }
      }
      put(errors, "rate_limit_pct", rateLimitPct);
      put(errors, "capacity_529_pct", capacityPct);
      put(errors, "service_unavailable_pct", serviceUnavailablePct);
      put(errors, "internal_error_pct", internalErrorPct);
      put(errors, "timeout_pct", timeoutPct);
      put(errors, "selection_mode", selectionMode);
      Map<String, Object> burstSection = new LinkedHashMap<>();
      put(burstSection, "enabled", burst);
      put(burstSection, "interval_sec", burstIntervalSec);
      put(burstSection, "duration_sec", burstDurationSec);
      put(errors, "burst", burstSection.isEmpty() ? null : burstSection);
      Map<String, Object> latency = new LinkedHashMap<>();
      put(latency, "base_ms", latencyMs);
      put(latency, "jitter_ms", jitterMs);
      Map<String, Object> overrides = new LinkedHashMap<>();
      put(overrides, "server", server.isEmpty() ? null : server);
      put(overrides, "seed", seed);
      put(overrides, "error_injection", errors.isEmpty() ? null : errors);
      put(overrides, "latency", latency.isEmpty() ? null : latency);
      put(overrides, "response", responseMode == null ? null : Map.of("mode", responseMode));
      // The CLI's own default port is the reference's 8000 (and 8001 for HTTPS); the library's is
      // 0.
      if (port == null && (config == null || !mentionsPort(config))) {
        Map<String, Object> defaults = new LinkedHashMap<>(server);
        defaults.putIfAbsent("port", 8000);
        defaults.putIfAbsent("https_port", 8001);
        overrides.put("server", defaults);
      }
      return ChaosConfig.load(preset, config, overrides);
    }

    private static boolean mentionsPort(Path config) {
      return ChaosConfig.fromYaml(config).server().port() != 0;
    }

    private static void put(Map<String, Object> map, String key, @Nullable Object value) {
      if (value != null) {
        map.put(key, value);
      }
    }
  }

  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      description =
          "Start the server and run until killed; prints the URLs and the certificate paths.")
  static final class Serve implements Callable<Integer> {
    @CommandLine.Mixin ConfigOptions options = new ConfigOptions();

    @Option(
        names = "--batch-completion-seconds",
        description = "Batch API: seconds from batches.create to the end of a job (default 0)")
    double batchCompletionSeconds;

    @Option(
        names = "--batch-terminal-status",
        description = "Batch API: how jobs end: completed (default), failed, expired or cancelled")
    String batchTerminalStatus = "completed";

    @Option(
        names = "--batch-row-error-every",
        description = "Batch API: every n-th request line goes to the error file (0 = none)")
    int batchRowErrorEvery;

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      ChaosConfig config = options.load();
      ChaosBatchApi.Behaviour batch;
      try {
        batch =
            ChaosBatchApi.Behaviour.immediate()
                .withCompletionSeconds(batchCompletionSeconds)
                .withTerminalStatus(batchTerminalStatus)
                .withRowFaults(batchRowErrorEvery, 0, 0, 0);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      ChaosLlmServer server = ChaosLlmServer.start(config);
      server.batchApi().configure(batch);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    server.close();
                    stopped.countDown();
                  },
                  "chaosllm-shutdown"));
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "ChaosLLM serving"
              + (config.presetName() == null ? "" : " (preset " + config.presetName() + ")"));
      out.println("  http:        " + server.httpUrl());
      out.println(
          "  https:       " + server.httpsUrl() + "  (certificate for localhost, 127.0.0.1, ::1)");
      out.println("  certificate: " + server.certificatePath());
      out.println(
          "  truststore:  "
              + server.trustStorePath()
              + "  (PKCS12, password "
              + server.trustStorePassword()
              + ")");
      out.println(
          "  JVM clients: -Djavax.net.ssl.trustStore="
              + server.trustStorePath()
              + " -Djavax.net.ssl.trustStorePassword="
              + server.trustStorePassword()
              + " -Djavax.net.ssl.trustStoreType=PKCS12");
      out.println(
          "  response:    "
              + server.responseMode().wire()
              + ", latency "
              + config.latency().baseMs()
              + "±"
              + config.latency().jitterMs()
              + " ms");
      out.println("  faults:      " + faultSummary(config));
      out.println(
          "  batch api:   jobs end "
              + batch.terminalStatus()
              + " after "
              + batch.completionSeconds()
              + " s"
              + (batch.rowErrorEvery() > 0
                  ? ", every " + batch.rowErrorEvery() + "th row an error"
                  : ""));
      out.println(
          "  admin:       " + server.httpUrl() + "/admin/stats, /admin/config, /admin/reset");
      out.flush();
      stopped.await();
      return 0;
    }

    private static String faultSummary(ChaosConfig config) {
      StringBuilder summary = new StringBuilder();
      for (FaultKind kind : FaultKind.values()) {
        double pct = config.errorInjection().pct(kind);
        if (pct > 0) {
          summary
              .append(summary.length() == 0 ? "" : ", ")
              .append(kind.key())
              .append(' ')
              .append(pct)
              .append('%');
        }
      }
      if (config.errorInjection().burst().enabled()) {
        summary
            .append(summary.length() == 0 ? "" : "; ")
            .append("bursts every ")
            .append(config.errorInjection().burst().intervalSec())
            .append(" s for ")
            .append(config.errorInjection().burst().durationSec())
            .append(" s");
      }
      return summary.length() == 0 ? "none" : summary.toString();
    }
  }

  @Command(name = "presets", mixinStandardHelpOptions = true, description = "List the presets.")
  static final class Presets implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      ChaosConfig.PRESETS.forEach(spec.commandLine().getOut()::println);
    }
  }

  @Command(
      name = "show-config",
      mixinStandardHelpOptions = true,
      description = "Print the effective configuration (JSON) for the given options.")
  static final class ShowConfig implements Callable<Integer> {
    @CommandLine.Mixin ConfigOptions options = new ConfigOptions();
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      spec.commandLine()
          .getOut()
          .println(
              ChaosConfigTrees.TREES
                  .writerWithDefaultPrettyPrinter()
                  .writeValueAsString(options.load().toTree()));
      return 0;
    }
  }
}
