package io.elspeth.pipelines.settings;

import io.elspeth.connectors.schema.FieldSpec;
import io.elspeth.connectors.schema.SchemaSpec;
import io.elspeth.plugin.PluginDescriptor;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.local.TransformOptions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * ELSPETH's field contracts between steps, checked when the settings are validated: a transform or
 * aggregation naming fields in {@code required_input_fields} (or, without it, in its schema's
 * {@code required_fields}) needs the step before it to guarantee them. A step guarantees the
 * required fields its {@code schema} declares in {@code strict} or {@code free} mode, its schema's
 * {@code guaranteed_fields}, and the fields its plugin computes (an LLM's response field with
 * {@code _usage} and {@code _model}); a dynamic schema guarantees nothing else. As in ELSPETH, each
 * step answers for its own output: fields of earlier steps are not carried through. An empty {@code
 * required_input_fields} is an explicit opt-out.
 */
final class FieldContracts {
  private FieldContracts() {}

  /** One step of the row chain: where it is in the settings, what it is, its options. */
  record Step(String path, String plugin, PluginDescriptor descriptor, PluginOptions options) {}

  /**
   * What the rows of a connection are guaranteed to hold: who writes them (a step's path and
   * plugin, or a coalesce), the fields, and how that writer would guarantee more (for the error).
   */
  record Producer(String path, String what, Set<String> fields, String none, String fix) {}

  /** A step as the producer of its output rows. */
  static Producer producer(Step step) {
    return new Producer(
        step.path(),
        step.plugin(),
        guaranteed(step),
        "no fields (dynamic schema)",
        "Declare them in "
            + step.path()
            + "'s schema (strict or free fields, or guaranteed_fields)");
  }

  /**
   * The problems of {@code required_input_fields} values (each a non-empty identifier, no
   * duplicates) and of every contract between consecutive steps, starting at the source.
   */
  static List<String> check(Step source, List<Step> chain) {
    List<String> problems = new ArrayList<>();
    Producer producer = producer(source);
    for (Step consumer : chain) {
      problems.addAll(check(producer, consumer));
      producer = producer(consumer);
    }
    return problems;
  }

  /**
   * The problems of {@code consumer}'s {@code required_input_fields} values and of its contract
   * with the rows {@code producer} guarantees.
   */
  static List<String> check(Producer producer, Step consumer) {
    List<String> problems = new ArrayList<>();
    Set<String> required = required(consumer, problems);
    if (required.isEmpty()) {
      return problems;
    }
    Set<String> guaranteed = producer.fields();
    Set<String> missing = new TreeSet<>(required);
    missing.removeAll(guaranteed);
    if (!missing.isEmpty()) {
      boolean declared =
          consumer.options().asMap().get(TransformOptions.REQUIRED_INPUT_FIELDS) != null;
      problems.add(
          consumer.path()
              + ".options."
              + (declared ? TransformOptions.REQUIRED_INPUT_FIELDS : "schema.required_fields")
              + ": "
              + consumer.plugin()
              + " requires "
              + new TreeSet<>(required)
              + " but "
              + producer.path()
              + " ("
              + producer.what()
              + ") guarantees "
              + (guaranteed.isEmpty() ? producer.none() : new TreeSet<>(guaranteed))
              + "; missing "
              + missing
              + ". "
              + producer.fix()
              + ", or remove them from the requirement if they are truly optional");
    }
    return problems;
  }

  /** The fields a step explicitly requires of its input. */
  private static Set<String> required(Step step, List<String> problems) {
    Object raw = step.options().asMap().get(TransformOptions.REQUIRED_INPUT_FIELDS);
    String path = step.path() + ".options." + TransformOptions.REQUIRED_INPUT_FIELDS;
    if (raw != null) {
      Set<String> fields = new LinkedHashSet<>();
      List<?> list = raw instanceof List<?> l ? l : List.of(raw);
      for (int i = 0; i < list.size(); i++) {
        String name = list.get(i) == null ? "" : list.get(i).toString().strip();
        if (name.isEmpty()) {
          problems.add(path + "[" + i + "]: cannot be empty");
        } else if (!isIdentifier(name)) {
          problems.add(path + "[" + i + "]: must be a valid identifier, got '" + name + "'");
        } else if (!fields.add(name)) {
          problems.add(path + ": '" + name + "' is listed twice");
        }
      }
      if (!fields.isEmpty()) {
        return fields;
      }
      if (list.isEmpty()) {
        return Set.of();
      }
    }
    return new LinkedHashSet<>(schemaList(step.options(), "required_fields"));
  }

  /** The fields a step's output rows are guaranteed to have. */
  private static Set<String> guaranteed(Step step) {
    Set<String> fields = new LinkedHashSet<>(schemaList(step.options(), "guaranteed_fields"));
    SchemaSpec schema = step.options().schema();
    if (schema.mode() != SchemaSpec.Mode.DYNAMIC) {
      for (FieldSpec f : schema.fields()) {
        if (f.required()) {
          fields.add(f.name());
        }
      }
    }
    fields.addAll(step.descriptor().computedGuaranteedFields(step.options()));
    return fields;
  }

  private static List<String> schemaList(PluginOptions options, String key) {
    Object schema = options.asMap().get("schema");
    @Nullable Object list = schema instanceof Map<?, ?> m ? m.get(key) : null;
    List<String> out = new ArrayList<>();
    if (list instanceof List<?> l) {
      l.forEach(x -> out.add(String.valueOf(x).strip()));
    }
    return out;
  }

  /** Python's {@code str.isidentifier()} for the names a settings file can hold. */
  static boolean isIdentifier(String name) {
    if (!Character.isUnicodeIdentifierStart(name.codePointAt(0)) && name.charAt(0) != '_') {
      return false;
    }
    return name.codePoints().skip(1).allMatch(Character::isUnicodeIdentifierPart)
        && name.codePoints().noneMatch(Character::isIdentifierIgnorable);
  }
}
