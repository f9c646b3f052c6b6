package io.elspeth.connectors.schema;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The outcome of {@link FieldNormalizer#normalize}: the final field names and, for the audit trail,
 * which original header became which name.
 *
 * @param names the final field names, in column order
 * @param resolution original header to final field name, in column order (unmodifiable)
 * @param normalizationVersion {@link FieldNormalizer#ALGORITHM_VERSION} when header normalization
 *     was applied, otherwise {@code null}
 */
public record NormalizationResult(
    List<String> names, Map<String, String> resolution, @Nullable String normalizationVersion) {

  /** Copies the name list and resolution map. */
  public NormalizationResult {
    names = List.copyOf(names);
    resolution = Collections.unmodifiableMap(new LinkedHashMap<>(resolution));
  }
}
