package io.elspeth.transforms.local;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import java.util.ArrayList;
import java.util.List;

/** Options every transform accepts besides its own. */
public final class TransformOptions {
  private TransformOptions() {}

  public static final String ON_ERROR = "on_error";
  public static final String REQUIRED_INPUT_FIELDS = "required_input_fields";

  /** The shared options followed by a plugin's own. */
  public static List<OptionSpec> with(OptionSpec... own) {
    List<OptionSpec> options = new ArrayList<>(List.of(own));
    options.add(OptionSpec.optional("schema", OptionType.SCHEMA, null, "row schema"));
    options.add(OptionSpec.optional(ON_ERROR, OptionType.SINK_NAME, null,
        "sink for rows this transform rejects, or 'discard'; without it a rejected row fails"));
    options.add(OptionSpec.optional(REQUIRED_INPUT_FIELDS, OptionType.STRING_LIST, null,
        "fields a row must have; a row without them is rejected"));
    return options;
  }
}
