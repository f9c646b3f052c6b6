package io.elspeth.plugin;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a sink of a resumed run needs to know of the runs it continues.
 *
 * @param firstRunId the run the resume chain began with (the run a user started)
 * @param lastPublishedTarget the target this sink last published in the chain (its artifact path);
 *     null when it published nothing
 */
public record SinkResume(String firstRunId, @Nullable String lastPublishedTarget) {}
