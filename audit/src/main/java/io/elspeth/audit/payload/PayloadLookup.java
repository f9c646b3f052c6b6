package io.elspeth.audit.payload;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Whether a payload the Landscape references can be read back, as ELSPETH's {@code get_row_data}
 * reports it. A purged payload is a normal state (retention), not an error; content that does not
 * match its key is corruption and {@link #find} throws {@link PayloadIntegrityException}.
 *
 * @param status what was found
 * @param ref the reference looked up (null when none was recorded)
 * @param content the verified bytes when {@link Status#AVAILABLE}, else null
 */
public record PayloadLookup(Status status, @Nullable String ref, byte @Nullable [] content) {

  /** The states of a referenced payload. */
  public enum Status {
    /** Stored and verified. */
    AVAILABLE,
    /** Referenced, but no longer in the store (removed by retention). */
    PURGED,
    /** No reference was recorded. */
    NEVER_STORED,
    /** A reference exists but no store was given to read it from. */
    STORE_NOT_CONFIGURED,
    /** The stored content does not match its key: reported by {@link #inspect} only. */
    CORRUPT;

    /** Lowercase name, as ELSPETH prints it. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Looks {@code ref} up in {@code store} (either may be null). */
  public static PayloadLookup find(@Nullable PayloadStore store, @Nullable String ref) {
    if (ref == null) {
      return new PayloadLookup(Status.NEVER_STORED, null, null);
    }
    if (store == null) {
      return new PayloadLookup(Status.STORE_NOT_CONFIGURED, ref, null);
    }
    try {
      return new PayloadLookup(Status.AVAILABLE, ref, store.retrieve(ref));
    } catch (PayloadNotFoundException e) {
      return new PayloadLookup(Status.PURGED, ref, null);
    }
  }

  /**
   * As {@link #find}, but content that does not match its key is reported as {@link Status#CORRUPT}
   * instead of thrown: for pages that show an auditor the state of every payload.
   */
  public static PayloadLookup inspect(@Nullable PayloadStore store, @Nullable String ref) {
    try {
      return find(store, ref);
    } catch (PayloadIntegrityException e) {
      return new PayloadLookup(Status.CORRUPT, ref, null);
    }
  }

  /** The content as UTF-8 text (payloads of the Landscape are canonical JSON), if available. */
  public @Nullable String text() {
    return content == null ? null : new String(content, StandardCharsets.UTF_8);
  }

  /** One line for people: {@code available (ref 3f2a...)}. */
  public String describe() {
    return ref == null ? status.label() : status.label() + " (ref " + ref + ")";
  }
}
