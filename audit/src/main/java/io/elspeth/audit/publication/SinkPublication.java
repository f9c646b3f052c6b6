package io.elspeth.audit.publication;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What one sink was about to publish, recorded in the Landscape before it published: the target,
 * the staged output that becomes it, the manifest of the tokens it holds, and the target's size and
 * SHA-256 before and after. Recorded after the staged output and the manifest are durable and
 * before the target changes, so after a crash the Landscape alone says whether a target may have
 * changed and how to finish the change; {@code settledMs} is set once every token of the manifest
 * has its outcome committed.
 *
 * @param artifactType the artifact the sink records: {@code file}, {@code database}, ...
 * @param staged the staged output that replaces the target; null for a sink that publishes in one
 *     step (a database transaction), whose target is asked whether the publication happened
 * @param baseHash the target's SHA-256 before publishing; null when it did not exist or is not a
 *     file
 */
public record SinkPublication(
    String publicationId,
    String runId,
    String nodeId,
    String sinkName,
    int stepIndex,
    String artifactType,
    String target,
    @Nullable String staged,
    @Nullable String manifest,
    long tokenCount,
    @Nullable Long baseSize,
    @Nullable String baseHash,
    long newSize,
    String newHash,
    long recordedMs,
    @Nullable Long settledMs) {}
