package io.elspeth.connectors.blob;

import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The request payload of a Blob Storage call as recorded (hashed) in the Landscape: provider,
 * operation, account endpoint, container and blob. Never a key, SAS token or signed URL.
 */
final class BlobCallPayload {
  static final String PROVIDER = "azure_blob_storage";
  static final String CALL_TYPE = "http";

  private BlobCallPayload() {}

  static Map<String, Object> request(
      String operation, AzureAuth auth, String container, @Nullable String blob) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("provider", PROVIDER);
    r.put("operation", operation);
    r.put("account", auth.account());
    r.put("container", container);
    if (blob != null) {
      r.put("blob", blob);
    }
    return r;
  }

  static double millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e6;
  }
}
