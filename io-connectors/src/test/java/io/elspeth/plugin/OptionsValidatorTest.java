package io.elspeth.plugin;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.elspeth.connectors.schema.SchemaSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OptionsValidatorTest {

  private static final String PATH = "transforms[0].options";
  private static final Set<String> SINKS = Set.of("output", "quarantine");

  private static Map<String, Object> options(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  private static OptionsValidator.Result validate(Map<String, Object> raw, OptionSpec... specs) {
    return OptionsValidator.validate(raw, List.of(specs), PATH, SINKS);
  }

  /** The only problem reported for one option of {@code type} given {@code value}. */
  private static String onlyProblem(OptionType type, Object value) {
    OptionsValidator.Result result =
        validate(options("opt", value), OptionSpec.optional("opt", type, null, "an option"));
    assertThat(result.problems(), hasSize(1));
    assertThat(result.options(), is(nullValue()));
    return result.problems().get(0);
  }

  private static void accepted(OptionType type, Object value) {
    OptionsValidator.Result result =
        validate(options("opt", value), OptionSpec.optional("opt", type, null, "an option"));
    assertThat(result.problems(), is(empty()));
    assertThat(result.options().asMap().get("opt"), is(value));
  }

  @Test
  void unknownOptionIsReportedWithItsPathAndTheKnownOptions() {
    OptionsValidator.Result result =
        validate(
            options("feilds", List.of("a")),
            OptionSpec.optional("fields", OptionType.STRING_LIST, null, "fields"),
            OptionSpec.optional("mode", OptionType.STRING, null, "mode"));

    assertThat(
        result.problems(),
        contains("transforms[0].options.feilds: unknown option (expected one of [fields, mode])"));
  }

  @Test
  void missingRequiredOptionIsReportedWithItsExpectedType() {
    OptionsValidator.Result result =
        validate(options(), OptionSpec.required("fields", OptionType.STRING_LIST, "the fields"));

    assertThat(result.problems(), hasSize(1));
    assertThat(
        result.problems().get(0),
        startsWith("transforms[0].options.fields: required option missing"));
    assertThat(result.problems().get(0), containsString("a list of strings"));
  }

  @Test
  void requiredOptionGivenAsNullIsMissing() {
    OptionsValidator.Result result =
        validate(options("path", null), OptionSpec.required("path", OptionType.STRING, "file"));

    assertThat(result.problems().get(0), containsString("path: required option missing"));
  }

  @Test
  void nullOptionsAreTreatedAsEmpty() {
    OptionsValidator.Result result =
        OptionsValidator.validate(
            null, List.of(OptionSpec.optional("n", OptionType.INT, 5L, "n")), PATH, SINKS);

    assertThat(result.problems(), is(empty()));
    assertThat(result.options().asMap(), is(Map.of("n", 5L)));
  }

  @Test
  void defaultsAreFilledForAbsentOptionalOptions() {
    OptionsValidator.Result result =
        validate(
            options("given", "x"),
            OptionSpec.optional("given", OptionType.STRING, "default", "given"),
            OptionSpec.optional("count", OptionType.INT, 10L, "count"),
            OptionSpec.oneOf("mode", "write", List.of("write", "append"), "mode"));

    assertThat(result.options().asMap(), is(Map.of("given", "x", "count", 10L, "mode", "write")));
  }

  @Test
  void absentOptionalOptionWithoutDefaultIsLeftOut() {
    OptionsValidator.Result result =
        validate(options(), OptionSpec.optional("indent", OptionType.INT, null, "indent"));

    assertThat(result.options().has("indent"), is(false));
    assertThat(result.options().asMap().containsKey("indent"), is(false));
  }

  @Test
  void stringRejectsANumber() {
    assertThat(
        onlyProblem(OptionType.STRING, 5L),
        is("transforms[0].options.opt: expected a string, got integer 5"));
  }

  @Test
  void stringOutsideItsAllowedValuesIsReportedWithThem() {
    OptionsValidator.Result result =
        validate(
            options("mode", "overwrite"),
            OptionSpec.oneOf("mode", "write", List.of("write", "append"), "mode"));

    assertThat(
        result.problems(),
        contains("transforms[0].options.mode: expected one of [write, append], got 'overwrite'"));
  }

  @Test
  void stringWithinItsAllowedValuesIsAccepted() {
    OptionsValidator.Result result =
        validate(
            options("mode", "append"),
            OptionSpec.oneOf("mode", "write", List.of("write", "append"), "mode"));

    assertThat(result.options().string("mode"), is("append"));
  }

  @Test
  void intRejectsAString() {
    assertThat(
        onlyProblem(OptionType.INT, "5"), containsString("expected an integer, got string '5'"));
  }

  @Test
  void intRejectsADecimal() {
    assertThat(
        onlyProblem(OptionType.INT, 2.5d), containsString("expected an integer, got number 2.5"));
  }

  @Test
  void intAcceptsIntegerAndLong() {
    accepted(OptionType.INT, 3);
    accepted(OptionType.INT, 3L);
  }

  @Test
  void boolRejectsTheStringTrue() {
    assertThat(
        onlyProblem(OptionType.BOOL, "true"),
        containsString("expected a boolean (true or false), got string 'true'"));
  }

  @Test
  void boolAcceptsABoolean() {
    accepted(OptionType.BOOL, false);
  }

  @Test
  void stringListRejectsASingleString() {
    assertThat(
        onlyProblem(OptionType.STRING_LIST, "a"), containsString("expected a list of strings"));
  }

  @Test
  void stringListRejectsAListWithANonString() {
    assertThat(
        onlyProblem(OptionType.STRING_LIST, List.of("a", 1L)),
        containsString("expected a list of strings, got a list"));
  }

  @Test
  void stringListAcceptsAListOfStrings() {
    accepted(OptionType.STRING_LIST, List.of("a", "b"));
  }

  @Test
  void stringMapRejectsANonStringValue() {
    assertThat(
        onlyProblem(OptionType.STRING_MAP, Map.of("a", 1L)),
        containsString("expected a mapping of strings to strings, got a mapping"));
  }

  @Test
  void stringMapRejectsAList() {
    assertThat(
        onlyProblem(OptionType.STRING_MAP, List.of("a")),
        containsString("expected a mapping of strings to strings, got a list"));
  }

  @Test
  void stringMapAcceptsStringValues() {
    accepted(OptionType.STRING_MAP, Map.of("from", "to"));
  }

  @Test
  void intMapRejectsAStringValue() {
    assertThat(
        onlyProblem(OptionType.INT_MAP, Map.of("a", "1")),
        containsString("expected a mapping of strings to integers, got a mapping"));
  }

  @Test
  void intMapAcceptsIntegerValues() {
    accepted(OptionType.INT_MAP, Map.of("a", 1L, "b", 2));
  }

  @Test
  void sinkNameMustNameAConfiguredSink() {
    assertThat(
        onlyProblem(OptionType.SINK_NAME, "quarantin"),
        is(
            "transforms[0].options.opt: "
                + "no sink named 'quarantin' (configured sinks: [output, quarantine]; or 'discard')"));
  }

  @Test
  void sinkNameRejectsANonString() {
    assertThat(
        onlyProblem(OptionType.SINK_NAME, true),
        containsString("expected the name of a configured sink or 'discard', got boolean true"));
  }

  @Test
  void sinkNameAcceptsAConfiguredSink() {
    accepted(OptionType.SINK_NAME, "quarantine");
  }

  @Test
  void sinkNameAcceptsDiscard() {
    accepted(OptionType.SINK_NAME, "discard");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    OptionsValidator.Result result =
        validate(
            options("fields", "id", "extra", 1L, "count", "x"),
            OptionSpec.required("fields", OptionType.STRING_LIST, "fields"),
            OptionSpec.required("on_error", OptionType.SINK_NAME, "sink"),
            OptionSpec.optional("count", OptionType.INT, 1L, "count"));

    assertThat(result.options(), is(nullValue()));
    assertThat(result.problems(), hasSize(4));
    assertThat(
        result.problems(),
        containsInAnyOrder(
            startsWith("transforms[0].options.extra: unknown option"),
            startsWith("transforms[0].options.fields: expected a list of strings"),
            startsWith("transforms[0].options.on_error: required option missing"),
            startsWith("transforms[0].options.count: expected an integer")));
  }

  @Test
  void schemaOptionIsParsedIntoTheOptionsSchema() {
    OptionsValidator.Result result =
        validate(
            options("schema", options("mode", "strict", "fields", List.of("id: int"))),
            OptionSpec.optional("schema", OptionType.SCHEMA, null, "schema"));

    assertThat(result.options(), is(notNullValue()));
    assertThat(result.options().schema().mode(), is(SchemaSpec.Mode.STRICT));
    assertThat(result.options().schema().fieldNames(), contains("id"));
  }

  @Test
  void schemaProblemsCarryTheKeyPathIntoTheSchema() {
    OptionsValidator.Result result =
        validate(
            options("schema", options("mode", "strict", "fields", List.of("id: integer"))),
            OptionSpec.optional("schema", OptionType.SCHEMA, null, "schema"));

    assertThat(
        result.problems(),
        hasItem(startsWith("transforms[0].options.schema.fields[0]: unknown type 'integer'")));
  }

  @Test
  void schemaThatIsNotAMappingIsATypeProblem() {
    assertThat(
        onlyProblem(OptionType.SCHEMA, "dynamic"),
        containsString(
            "expected a schema ({mode, fields} or {fields: dynamic}), got string 'dynamic'"));
  }

  @Test
  void describeNamesTheYamlTypeOfAValue() {
    assertThat(OptionsValidator.describe(null), is("null"));
    assertThat(OptionsValidator.describe(Map.of()), is("a mapping"));
    assertThat(OptionsValidator.describe(List.of()), is("a list"));
    assertThat(OptionsValidator.describe("x".repeat(50)), is("string '" + "x".repeat(40) + "…'"));
  }
}
