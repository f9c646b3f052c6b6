package io.elspeth.audit.store;

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

  /** The shared store for {@code url}, opened on first use. Pair with {@link #release}. */
  public static synchronized LandscapeStore acquire(LandscapeUrl url) {
    Entry e = OPEN.get(url);
    if (e == null) {
      e = new Entry(LandscapeStore.open(url));
      OPEN.put(url, e);
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
