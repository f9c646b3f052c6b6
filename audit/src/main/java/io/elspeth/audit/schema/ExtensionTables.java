package io.elspeth.audit.schema;

import java.util.List;

/**
 * Tables of our own beside ELSPETH's 20, for what ELSPETH does not record: who owns a run (its
 * lease), which run resumed which, and what each sink was about to publish (migration {@code
 * V2__elspeth_tables.sql}), and the aggregates of a settled run that the web console shows ({@code
 * V4__run_aggregates.sql}). They hold no column ELSPETH's readers look for. Times are epoch
 * milliseconds.
 */
public final class ExtensionTables {
  public static final String RUN_LEASES = "elspeth_run_leases";
  public static final String RESUMPTIONS = "elspeth_resumptions";
  public static final String SINK_PUBLICATIONS = "elspeth_sink_publications";
  public static final String RUN_AGGREGATES = "elspeth_run_aggregates";

  private ExtensionTables() {}

  /** The names of the extension tables. */
  public static List<String> names() {
    return List.of(RUN_LEASES, RESUMPTIONS, SINK_PUBLICATIONS, RUN_AGGREGATES);
  }
}
