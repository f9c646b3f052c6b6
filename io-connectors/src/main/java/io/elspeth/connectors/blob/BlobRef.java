package io.elspeth.connectors.blob;

import java.io.Serializable;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One blob to read and the first row index its rows take.
 *
 * @param sizeBytes size at listing time; -1 when the blob was named, not listed
 * @param etag the version listed; reading it with If-Match fails if the blob changed since, so its
 *     rows cannot outgrow the index range computed from the listed size
 * @param firstIndex index of the blob's first row; blobs listed together get disjoint ranges
 */
public record BlobRef(String name, long sizeBytes, @Nullable String etag, long firstIndex)
    implements Serializable {}
