package io.elspeth.connectors.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowValidatorTest {

  private static SchemaSpec schema(SchemaSpec.Mode mode, String... specs) {
    FieldSpec[] fields = new FieldSpec[specs.length];
    for (int i = 0; i < specs.length; i++) {
      String[] parts = specs[i].split(":\\s*");
      boolean optional = parts[1].endsWith("?");
      String type = optional ? parts[1].substring(0, parts[1].length() - 1) : parts[1];
      fields[i] = new FieldSpec(parts[0], FieldType.fromConfigName(type), !optional);
    }
    return new SchemaSpec(mode, Arrays.asList(fields));
  }

  private static RowValidator csv(String... specs) {
    return new RowValidator(schema(SchemaSpec.Mode.STRICT, specs), true);
  }

  private static RowValidator json(String... specs) {
    return new RowValidator(schema(SchemaSpec.Mode.STRICT, specs), false);
  }

  /** A row with insertion order kept and null values allowed. */
  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }

  private static Violation onlyViolation(Validation validation) {
    assertThat(validation.isValid(), is(false));
    assertThat(validation.violations(), hasSize(1));
    return validation.violations().get(0);
  }

  // --- CSV coercion -------------------------------------------------------------------------

  @Test
  void csvIntIsParsedToLong() {
    Validation v = csv("n: int").validate(row("n", " -42 "));

    assertThat(v.row().get("n"), is(-42L));
  }

  @Test
  void csvIntWithPlusSignIsAccepted() {
    assertThat(csv("n: int").validate(row("n", "+7")).row().get("n"), is(7L));
  }

  @Test
  void csvIntRejectsNonDigits() {
    Violation violation = onlyViolation(csv("age: int").validate(row("age", "abc")));

    assertThat(violation.violationType(), is(Violation.TYPE_MISMATCH));
    assertThat(violation.field(), is("age"));
    assertThat(violation.expectedType(), is("int"));
    assertThat(violation.actualType(), is("str"));
    assertThat(violation.message(), is("field 'age': expected int, got 'abc'"));
  }

  @Test
  void csvIntRejectsDecimalText() {
    assertThat(
        onlyViolation(csv("n: int").validate(row("n", "3.0"))).violationType(),
        is(Violation.TYPE_MISMATCH));
  }

  @Test
  void csvIntOutOfLongRangeIsTypeMismatch() {
    Violation violation = onlyViolation(csv("n: int").validate(row("n", "99999999999999999999")));

    assertThat(violation.message(), containsString("out of range"));
  }

  @Test
  void csvFloatAcceptsDecimalAndExponent() {
    RowValidator validator = csv("x: float");

    assertThat(validator.validate(row("x", "3.25")).row().get("x"), is(3.25d));
    assertThat(validator.validate(row("x", "-1e3")).row().get("x"), is(-1000.0d));
    assertThat(validator.validate(row("x", ".5")).row().get("x"), is(0.5d));
    assertThat(validator.validate(row("x", "7")).row().get("x"), is(7.0d));
  }

  @Test
  void csvFloatRejectsNanAndInfinity() {
    RowValidator validator = csv("x: float");

    for (String text : List.of("nan", "NaN", "inf", "Infinity", "-inf")) {
      assertThat(text, validator.validate(row("x", text)).isValid(), is(false));
    }
  }

  @Test
  void csvFloatRejectsJavaOnlyForms() {
    RowValidator validator = csv("x: float");

    for (String text : List.of("1.5d", "2f", "0x1p3", "1,5")) {
      assertThat(text, validator.validate(row("x", text)).isValid(), is(false));
    }
  }

  @Test
  void csvFloatOverflowIsTypeMismatch() {
    assertThat(
        onlyViolation(csv("x: float").validate(row("x", "1e999"))).message(),
        containsString("out of range"));
  }

  @Test
  void csvBoolAcceptsWordsAndDigitsInAnyCase() {
    RowValidator validator = csv("b: bool");

    for (String text : List.of("true", "TRUE", "Yes", "1")) {
      assertThat(text, validator.validate(row("b", text)).row().get("b"), is(Boolean.TRUE));
    }
    for (String text : List.of("false", "False", "NO", "0")) {
      assertThat(text, validator.validate(row("b", text)).row().get("b"), is(Boolean.FALSE));
    }
  }

  @Test
  void csvBoolRejectsOtherWords() {
    Violation violation = onlyViolation(csv("b: bool").validate(row("b", "maybe")));

    assertThat(violation.message(), is("field 'b': expected bool, got 'maybe'"));
  }

  @Test
  void csvStrAndAnyAreKeptAsIs() {
    Validation v = csv("s: str", "a: any").validate(row("s", "  padded ", "a", " 12 "));

    assertThat(v.row(), equalTo(row("s", "  padded ", "a", " 12 ")));
  }

  @Test
  void csvEmptyOptionalFieldBecomesNull() {
    Validation v = csv("n: int?", "s: str?").validate(row("n", "", "s", ""));

    assertThat(v.isValid(), is(true));
    assertThat(v.row(), equalTo(row("n", null, "s", null)));
  }

  @Test
  void csvEmptyRequiredNonStrFieldIsMissing() {
    Violation violation = onlyViolation(csv("n: int").validate(row("n", "")));

    assertThat(violation.violationType(), is(Violation.MISSING_FIELD));
    assertThat(violation.field(), is("n"));
    assertThat(violation.expectedType(), is("int"));
    assertThat(violation.actualType(), is(nullValue()));
  }

  @Test
  void csvEmptyRequiredStrFieldIsKeptAsEmptyString() {
    assertThat(csv("s: str").validate(row("s", "")).row().get("s"), is(""));
  }

  // --- presence ------------------------------------------------------------------------------

  @Test
  void absentRequiredFieldIsMissing() {
    Violation violation = onlyViolation(csv("id: int", "name: str").validate(row("id", "1")));

    assertThat(violation.violationType(), is(Violation.MISSING_FIELD));
    assertThat(violation.field(), is("name"));
  }

  @Test
  void nullRequiredFieldIsMissing() {
    assertThat(
        onlyViolation(json("id: int").validate(row("id", null))).violationType(),
        is(Violation.MISSING_FIELD));
  }

  @Test
  void absentOptionalFieldIsAddedAsNull() {
    Validation v = csv("id: int", "note: str?").validate(row("id", "1"));

    assertThat(v.row(), equalTo(row("id", 1L, "note", null)));
  }

  // --- modes ---------------------------------------------------------------------------------

  @Test
  void strictSchemaRejectsExtraField() {
    Violation violation = onlyViolation(csv("id: int").validate(row("id", "1", "extra", "x")));

    assertThat(violation.violationType(), is(Violation.EXTRA_FIELD));
    assertThat(violation.field(), is("extra"));
    assertThat(violation.expectedType(), is(nullValue()));
    assertThat(violation.actualType(), is("str"));
  }

  @Test
  void freeSchemaKeepsExtraFieldsUnchanged() {
    RowValidator validator = new RowValidator(schema(SchemaSpec.Mode.FREE, "id: int"), true);

    Validation v = validator.validate(row("id", "1", "extra", "42"));

    assertThat(v.row(), equalTo(row("id", 1L, "extra", "42")));
  }

  @Test
  void dynamicSchemaAcceptsAnyRowUnchanged() {
    RowValidator validator = new RowValidator(SchemaSpec.dynamic(), true);
    Map<String, Object> input = row("a", "1", "b", null, "c", List.of(1));

    Validation v = validator.validate(input);

    assertThat(v.row(), equalTo(input));
  }

  @Test
  void dynamicSchemaWithDeclaredFieldsDoesNotCoerce() {
    RowValidator validator = new RowValidator(schema(SchemaSpec.Mode.DYNAMIC, "a: int"), true);

    assertThat(validator.validate(row("a", "x")).row().get("a"), is("x"));
  }

  @Test
  void outputKeepsInputFieldOrderInNewMap() {
    RowValidator validator =
        new RowValidator(schema(SchemaSpec.Mode.FREE, "a: int", "b: int", "c: int"), true);
    Map<String, Object> input = row("c", "3", "x", "y", "a", "1", "b", "2");

    Map<String, Object> out = validator.validate(input).row();

    assertThat(out, instanceOf(LinkedHashMap.class));
    assertThat(List.copyOf(out.keySet()), contains("c", "x", "a", "b"));
    assertThat(input.get("a"), is("1"));
  }

  @Test
  void everyViolationIsReportedInOneErrorMessage() {
    Validation v = csv("age: int", "ok: bool", "name: str").validate(row("age", "abc", "ok", "?"));

    assertThat(v.violations(), hasSize(3));
    assertThat(
        v.errorMessage(),
        is(
            "field 'age': expected int, got 'abc'; field 'ok': expected bool, got '?'; "
                + "field 'name': required str value is missing"));
  }

  @Test
  void validResultHasNoViolationsOrMessage() {
    Validation v = csv("id: int").validate(row("id", "5"));

    assertThat(v.isValid(), is(true));
    assertThat(v.violations(), is(empty()));
    assertThat(v.errorMessage(), is(""));
  }

  @Test
  void rowOfInvalidResultThrows() {
    Validation v = csv("id: int").validate(row("id", "x"));

    assertThrows(IllegalStateException.class, v::row);
  }

  // --- JSON mode -----------------------------------------------------------------------------

  @Test
  void jsonModeRejectsNumericStringForIntField() {
    Violation violation = onlyViolation(json("n: int").validate(row("n", "5")));

    assertThat(violation.violationType(), is(Violation.TYPE_MISMATCH));
    assertThat(violation.actualType(), is("str"));
  }

  @Test
  void jsonModeWidensIntegerToLong() {
    assertThat(json("n: int").validate(row("n", 5)).row().get("n"), is(5L));
  }

  @Test
  void jsonModeRejectsIntegralDoubleForIntField() {
    assertThat(onlyViolation(json("n: int").validate(row("n", 3.0d))).actualType(), is("float"));
  }

  @Test
  void jsonModeRejectsBooleanForIntField() {
    assertThat(onlyViolation(json("n: int").validate(row("n", true))).actualType(), is("bool"));
  }

  @Test
  void jsonModeConvertsWholeNumberToDoubleForFloatField() {
    assertThat(json("x: float").validate(row("x", 2L)).row().get("x"), is(2.0d));
  }

  @Test
  void jsonModeRejectsNonFiniteDoubleForFloatField() {
    assertThat(json("x: float").validate(row("x", Double.NaN)).isValid(), is(false));
  }

  @Test
  void jsonModeStrFieldAcceptsOnlyStrings() {
    assertThat(json("s: str").validate(row("s", 12L)).isValid(), is(false));
    assertThat(json("s: str").validate(row("s", "12")).row().get("s"), is("12"));
  }

  @Test
  void jsonModeBoolFieldRejectsTextualBoolean() {
    assertThat(json("b: bool").validate(row("b", "true")).isValid(), is(false));
  }

  @Test
  void jsonModeAnyFieldKeepsNestedValues() {
    Map<String, Object> nested = new HashMap<>(Map.of("k", List.of(1L, 2L)));

    assertThat(json("a: any").validate(row("a", nested)).row().get("a"), is(nested));
  }

  @Test
  void validatorSurvivesJavaSerialization() throws Exception {
    RowValidator validator = csv("id: int", "name: str?");

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(validator);
    }
    RowValidator copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (RowValidator) in.readObject();
    }

    assertThat(copy.validate(row("id", "3")).row(), hasEntry("id", (Object) 3L));
  }
}
