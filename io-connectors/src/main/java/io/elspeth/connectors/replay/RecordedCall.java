package io.elspeth.connectors.replay;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One call of a recorded run as its {@code calls} row says, with the hash it is matched by ({@link
 * RequestMatch}).
 *
 * @param parent {@code state} for a call of a node state, {@code operation} for a source load or
 *     sink write
 */
public record RecordedCall(
    String callId,
    String parent,
    String callType,
    String status,
    String requestHash,
    @Nullable String requestRef,
    String matchHash,
    @Nullable String responseHash,
    @Nullable String responseRef,
    @Nullable String errorJson,
    @Nullable Double latencyMs) {}
