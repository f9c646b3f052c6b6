package io.elspeth.api;

import io.elspeth.connectors.client.ClientSettings;
import io.elspeth.plugin.StepContext;
import java.util.LinkedHashMap;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code field_mapper} plugin as a transform: renames fields ({@code mapping}, old name to
 * new), keeping each renamed field's position.
 *
 * <pre>{@code
 * StepResult renamed = tokens.apply(ElspethTransforms.fieldMapper(Map.of("amt", "amount"))
 *     .withSelectOnly(true));
 * }</pre>
 */
public final class FieldMapper extends PluginTransform<FieldMapper> {
  private static final long serialVersionUID = 1L;
  static final String PLUGIN = "field_mapper";

  FieldMapper(
      @Nullable String stepName,
      Map<String, Object> options,
      @Nullable StepContext context,
      ClientSettings clients) {
    super(PLUGIN, stepName, options, context, clients);
  }

  @Override
  FieldMapper copy(
      @Nullable String stepName,
      Map<String, Object> options,
      @Nullable StepContext context,
      ClientSettings clients) {
    return new FieldMapper(stepName, options, context, clients);
  }

  /** {@code mapping}: old field name to new, in the order given. */
  public FieldMapper withMapping(Map<String, String> mapping) {
    return with("mapping", new LinkedHashMap<>(mapping));
  }

  /** {@code select_only}: keep only the mapped fields. */
  public FieldMapper withSelectOnly(boolean selectOnly) {
    return with("select_only", selectOnly);
  }

  /** {@code strict}: reject a row that lacks a mapped field. */
  public FieldMapper withStrict(boolean strict) {
    return with("strict", strict);
  }
}
