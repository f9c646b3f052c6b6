/**
 * {@code elspeth web}: a read-only console over a Landscape. {@link io.elspeth.console.WebConsole}
 * serves server-rendered pages (runs, a run with its DAG and counts, a row's lineage) with Javalin;
 * {@link io.elspeth.console.AccessGuard} keeps it on loopback or behind a token; the run page
 * follows a running run through server-sent events fed by what the Landscape committed.
 */
package io.elspeth.console;
