package io.elspeth.connectors.blob;

import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What went wrong with a Blob Storage request, described for a user and for the Landscape without
 * any secret: a storage error is named by its error code and HTTP status (its message and body,
 * which quote request URLs, are never used); any other failure's text is scrubbed of SAS
 * signatures, account keys and connection-string secrets.
 *
 * @param type the error type recorded in error_json (error code or exception class)
 * @param message one sentence a user can act on
 */
public record BlobFailure(String type, String message, int status) {
  private static final Pattern SECRETS =
      Pattern.compile(
          "(?i)\\b(sig|se|sp|sv|skoid|sktid|skt|ske|sks|skv)=[^&\\s\"']*|(AccountKey|SharedAccessSignature)"
              + "=[^;\\s\"']*");

  /** Describes a failure of {@code action} (e.g. "download 'c/b.csv'"). */
  public static BlobFailure of(String action, Throwable error) {
    BlobStorageException storage = find(error);
    if (storage != null) {
      BlobErrorCode code = storage.getErrorCode();
      String codeName = code == null ? "HTTP " + storage.getStatusCode() : code.toString();
      return new BlobFailure(
          codeName,
          "cannot "
              + action
              + ": "
              + explain(codeName, storage.getStatusCode())
              + " ("
              + codeName
              + ", HTTP "
              + storage.getStatusCode()
              + ")",
          storage.getStatusCode());
    }
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text =
        root.getMessage() == null
            ? root.getClass().getSimpleName()
            : root.getClass().getSimpleName() + ": " + root.getMessage();
    return new BlobFailure(
        root.getClass().getSimpleName(), "cannot " + action + ": " + scrub(text), 0);
  }

  /** error_json of the failed call. */
  public Map<String, Object> asError() {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", type);
    e.put("message", message);
    if (status > 0) {
      e.put("status_code", status);
    }
    return e;
  }

  /** Removes SAS parameters, account keys and signatures from any text. */
  public static String scrub(String text) {
    return SECRETS
        .matcher(text)
        .replaceAll(m -> m.group(1) != null ? m.group(1) + "=***" : m.group(2) + "=***");
  }

  private static String explain(String code, int status) {
    return switch (code) {
      case "ContainerNotFound" -> "the container does not exist";
      case "BlobNotFound" -> "the blob does not exist";
      case "BlobAlreadyExists" -> "the blob exists and overwrite is false";
      case "AuthenticationFailed",
          "AuthorizationFailure",
          "AuthorizationPermissionMismatch",
          "InvalidAuthenticationInfo",
          "NoAuthenticationInformation" ->
          "the storage account refused the credentials (check the key, SAS token or identity"
              + " and its permissions)";
      case "ConditionNotMet" -> "the blob changed while it was being read";
      default ->
          status == 404
              ? "not found"
              : status == 403
                  ? "access denied (check the credentials and their permissions)"
                  : "the request failed";
    };
  }

  private static @Nullable BlobStorageException find(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof BlobStorageException s) {
        return s;
      }
    }
    return null;
  }
}
