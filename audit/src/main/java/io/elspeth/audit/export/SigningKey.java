package io.elspeth.audit.export;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC-SHA256 key that signs and verifies exports: the UTF-8 bytes of the environment variable
 * {@value #ENV}, as ELSPETH reads it. Fail-closed: an unset or empty key is an error, never an
 * unsigned export. The key never appears in {@link #toString()} or in any message.
 */
public final class SigningKey {
  /** The environment variable that holds the key. */
  public static final String ENV = "ELSPETH_SIGNING_KEY";

  private final SecretKeySpec key;

  private SigningKey(byte[] key) {
    this.key = new SecretKeySpec(key, "HmacSHA256");
  }

  /**
   * The key from {@code env} (normally {@code System.getenv()}).
   *
   * @throws MissingSigningKeyException when {@value #ENV} is unset or empty
   */
  public static SigningKey fromEnvironment(Map<String, String> env) {
    String value = env.get(ENV);
    if (value == null || value.isEmpty()) {
      throw new MissingSigningKeyException(
          ENV
              + " is not set: signing and verifying an export"
              + " need the HMAC key in this environment variable");
    }
    return of(value.getBytes(StandardCharsets.UTF_8));
  }

  /** A key of these bytes (at least one). */
  public static SigningKey of(byte[] key) {
    if (key.length == 0) {
      throw new MissingSigningKeyException("the signing key is empty");
    }
    return new SigningKey(key.clone());
  }

  /** Lowercase hex HMAC-SHA256 of the message. */
  public String sign(byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return HexFormat.of().formatHex(mac.doFinal(message));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required by the Java platform", e);
    }
  }

  /** Lowercase hex HMAC-SHA256 of the UTF-8 bytes of the text. */
  public String sign(String message) {
    return sign(message.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "SigningKey(hmac-sha256, ***)";
  }

  /** Signing was asked for but there is no key. */
  public static final class MissingSigningKeyException extends RuntimeException {
    MissingSigningKeyException(String message) {
      super(message);
    }
  }
}
