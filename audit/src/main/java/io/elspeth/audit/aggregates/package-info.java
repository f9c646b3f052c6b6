/**
 * Aggregates of settled runs kept in the Landscape ({@link
 * io.elspeth.audit.aggregates.StoredRunAggregates}): derived from a run's records when it ends, so
 * that reading them costs one row however large the run.
 */
package io.elspeth.audit.aggregates;
