package io.elspeth.audit.payload;

/**
 * Content-addressed storage for payloads the Landscape references by hash (row data, call requests
 * and responses, routing reasons): ELSPETH's {@code PayloadStore} protocol. A key is the lowercase
 * hex SHA-256 of the bytes, so for canonical JSON the reference equals the recorded hash. Reading
 * back always verifies the content against its key.
 */
public interface PayloadStore {
  /**
   * Stores the bytes (a no-op when the same content is already stored) and returns their key.
   *
   * @throws PayloadIntegrityException when a stored file under the key has other content
   */
  String store(byte[] content);

  /**
   * The bytes stored under {@code key}, verified against it.
   *
   * @throws PayloadNotFoundException when nothing is stored under the key (never stored, purged)
   * @throws PayloadIntegrityException when the stored bytes do not hash to the key
   * @throws IllegalArgumentException when the key is not 64 lowercase hex characters
   */
  byte[] retrieve(String key);

  /** Whether content is stored under {@code key}. */
  boolean exists(String key);

  /** Deletes the content stored under {@code key}; false when there was none. */
  boolean delete(String key);
}
