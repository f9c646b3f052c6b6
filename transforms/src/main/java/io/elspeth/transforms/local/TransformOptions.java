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
    options.add(
        OptionSpec.optional(
            ON_ERROR,
            OptionType.SINK_NAME,
            null,
            "sink for rows this transform rejects, or 'discard'; without it a rejected row fails"));
    options.add(requiredInputFields());
    return options;
  }

  /**
   * {@code required_input_fields}, accepted by every transform and aggregation plugin: the fields
   * the step needs, checked against what the steps before it guarantee when the settings are
   * validated (ELSPETH's contract check), and a row lacking one is rejected.
   */
  public static OptionSpec requiredInputFields() {
    return OptionSpec.optional(
        REQUIRED_INPUT_FIELDS,
        OptionType.STRING_LIST,
        null,
        "fields this step needs: checked against the fields guaranteed upstream at validation,"
            + " and a row without them is rejected");
  }
}
