package io.elspeth.audit.record;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row of the Landscape table {@code secret_resolutions}: one secret the run's {@code secrets:}
 * block loaded from Azure Key Vault before the settings were read, recorded by its HMAC fingerprint
 * only (never its value). {@code resolvedAt} may be before the run started.
 */
public record SecretResolutionRecord(
    String resolutionId,
    String runId,
    Instant resolvedAt,
    String envVarName,
    String source,
    @Nullable String vaultUrl,
    @Nullable String secretName,
    String fingerprint,
    @Nullable Double latencyMs)
    implements AuditRecord {

  @Override
  public String table() {
    return "secret_resolutions";
  }

  @Override
  public List<String> keyColumns() {
    return List.of("resolution_id");
  }

  @Override
  public int rank() {
    return -1;
  }

  @Override
  public Map<String, Object> columns() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("resolution_id", resolutionId);
    c.put("run_id", runId);
    // ELSPETH's column is a float of epoch seconds.
    c.put("timestamp", resolvedAt.getEpochSecond() + resolvedAt.getNano() / 1e9);
    c.put("env_var_name", envVarName);
    c.put("source", source);
    c.put("vault_url", vaultUrl);
    c.put("secret_name", secretName);
    c.put("fingerprint", fingerprint);
    c.put("resolution_latency_ms", latencyMs);
    return c;
  }
}
