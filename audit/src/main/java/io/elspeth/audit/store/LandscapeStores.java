package io.elspeth.audit.store;

import io.elspeth.audit.schema.SchemaAccess;
import java.util.HashMap;
import java.util.Map;

/**
 * The one registry of open Landscape stores in a JVM: DoFn instances on one worker share a store
 * per URL (acquired in {@code @Setup}, released in {@code @Teardown}), so SQLite keeps a single
 * writer and PostgreSQL a single pool.
 */
public final class LandscapeStores {
  private static final Map<LandscapeUrl, Entry> OPEN = new HashMap<>();

  private LandscapeStores() {}

  private static final class Entry {
    final LandscapeStore store;
    int references;

    Entry(LandscapeStore store) {
      this.store = store;
    }
  }

  /**
   * The shared store for {@code url}, opened on first use with its schema checked ({@link
   * SchemaAccess#CHECK}): what workers and every other opener but the launcher do. Pair with {@link
   * #release}.
   */
  public static synchronized LandscapeStore acquire(LandscapeUrl url) {
    return acquire(url, SchemaAccess.CHECK);
  }

  /**
   * The shared store for {@code url}; with {@link SchemaAccess#MIGRATE} (the launcher, once per
   * start) its schema is migrated even when the store was already open in this JVM. Pair with
   * {@link #release}.
   */
  public static synchronized LandscapeStore acquire(LandscapeUrl url, SchemaAccess access) {
    Entry e = OPEN.get(url);
    if (e == null) {
      e = new Entry(LandscapeStore.open(url, access));
      OPEN.put(url, e);
    } else if (access == SchemaAccess.MIGRATE) {
      e.store.applySchema(access);
    }
    e.references++;
    return e.store;
  }

  /** Releases one reference; the last one closes the store. */
  public static synchronized void release(LandscapeUrl url) {
    Entry e = OPEN.get(url);
    if (e != null && --e.references <= 0) {
      OPEN.remove(url);
      e.store.close();
    }
  }
}
