/**
 * The query side of {@code elspeth explain}: {@link io.elspeth.audit.lineage.LineageQuery} reads
 * the full lineage of one source row from the Landscape into a {@link
 * io.elspeth.audit.lineage.RowLineage}, and {@link io.elspeth.audit.lineage.LineageRenderer}
 * renders it as a text tree or as JSON. Contradictions in the stored audit trail raise {@link
 * io.elspeth.audit.lineage.AuditIntegrityException}.
 */
package io.elspeth.audit.lineage;
