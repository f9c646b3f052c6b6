package io.elspeth.connectors.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaSpecTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static SchemaSpec parseOk(String text) {
    SchemaSpec.ParseResult result = SchemaSpec.parse(json(text));
    assertThat(result.problems().toString(), result.problems(), is(empty()));
    assertThat(result.spec(), is(notNullValue()));
    return result.spec();
  }

  private static List<String> problems(String text) {
    SchemaSpec.ParseResult result = SchemaSpec.parse(json(text));
    assertThat(result.spec(), is(nullValue()));
    return result.problems();
  }

  @Test
  void strictModeWithFieldStringsParsesEachField() {
    SchemaSpec spec =
        parseOk("{'mode': 'strict', 'fields': ['id: int', 'name: str', 'score: float']}");

    assertThat(spec.mode(), is(SchemaSpec.Mode.STRICT));
    assertThat(
        spec.fields(),
        contains(
            new FieldSpec("id", FieldType.INT, true),
            new FieldSpec("name", FieldType.STR, true),
            new FieldSpec("score", FieldType.FLOAT, true)));
  }

  @Test
  void trailingQuestionMarkMakesFieldOptional() {
    SchemaSpec spec = parseOk("{'mode': 'free', 'fields': ['age: int?', 'ok: bool']}");

    assertThat(spec.fields().get(0), is(new FieldSpec("age", FieldType.INT, false)));
    assertThat(spec.fields().get(1).required(), is(true));
  }

  @Test
  void fieldsDynamicGivesDynamicSchema() {
    SchemaSpec spec = parseOk("{'fields': 'dynamic'}");

    assertThat(spec, is(SchemaSpec.dynamic()));
    assertThat(spec.isDynamic(), is(true));
  }

  @Test
  void modeDynamicWithoutFieldsGivesDynamicSchema() {
    assertThat(parseOk("{'mode': 'dynamic'}"), is(SchemaSpec.dynamic()));
  }

  @Test
  void fieldsGivenAsMappingParseInOrder() {
    SchemaSpec spec = parseOk("{'mode': 'strict', 'fields': {'id': 'int', 'note': 'str?'}}");

    assertThat(
        spec.fields(),
        contains(
            new FieldSpec("id", FieldType.INT, true), new FieldSpec("note", FieldType.STR, false)));
  }

  @Test
  void singleKeyMappingListItemIsAcceptedLikeYamlUnquotedSpec() {
    SchemaSpec spec = parseOk("{'mode': 'strict', 'fields': [{'id': 'int'}, 'x: any?']}");

    assertThat(
        spec.fields(),
        contains(
            new FieldSpec("id", FieldType.INT, true), new FieldSpec("x", FieldType.ANY, false)));
  }

  @Test
  void laterReferenceModeNamesAreAccepted() {
    assertThat(
        parseOk("{'mode': 'fixed', 'fields': ['a: int']}").mode(), is(SchemaSpec.Mode.STRICT));
    assertThat(
        parseOk("{'mode': 'flexible', 'fields': ['a: int']}").mode(), is(SchemaSpec.Mode.FREE));
    assertThat(parseOk("{'mode': 'observed'}").mode(), is(SchemaSpec.Mode.DYNAMIC));
  }

  @Test
  void modeConfigNamesAreLowerCase() {
    assertThat(SchemaSpec.Mode.DYNAMIC.configName(), is("dynamic"));
    assertThat(SchemaSpec.Mode.STRICT.configName(), is("strict"));
    assertThat(SchemaSpec.Mode.FREE.configName(), is("free"));
  }

  @Test
  void unknownTypeIsReportedWithItsListPosition() {
    List<String> problems = problems("{'mode': 'strict', 'fields': ['id: int', 'age: integer']}");

    assertThat(
        problems,
        contains(
            "fields[1]: unknown type 'integer' (expected one of int, float, str, bool, any,"
                + " optionally followed by ?)"));
  }

  @Test
  void unknownTypeInMappingFormIsReportedWithItsKey() {
    assertThat(
        problems("{'mode': 'strict', 'fields': {'age': 'number'}}"),
        contains(startsWith("fields.age: unknown type 'number'")));
  }

  @Test
  void unknownModeIsReported() {
    assertThat(
        problems("{'mode': 'loose', 'fields': ['a: int']}"),
        contains("mode: unknown mode 'loose' (expected one of dynamic, strict, free)"));
  }

  @Test
  void everyProblemIsReportedNotJustTheFirst() {
    List<String> problems =
        problems("{'mode': 'strict', 'fields': ['a: integer', 'b-c: int', 'no colon'], 'x': 1}");

    assertThat(problems, hasSize(4));
    assertThat(problems, hasItem(startsWith("fields[0]: unknown type")));
    assertThat(problems, hasItem(startsWith("fields[1]: invalid field name 'b-c'")));
    assertThat(problems, hasItem(startsWith("fields[2]: invalid field spec 'no colon'")));
    assertThat(problems, hasItem(startsWith("x: unknown schema option")));
  }

  @Test
  void explicitFieldsWithoutModeAreRejected() {
    assertThat(problems("{'fields': ['a: int']}"), contains(startsWith("mode: required")));
  }

  @Test
  void strictModeWithoutFieldsIsRejected() {
    assertThat(problems("{'mode': 'strict'}"), contains(startsWith("fields: required")));
  }

  @Test
  void strictModeWithEmptyFieldListIsRejected() {
    assertThat(
        problems("{'mode': 'strict', 'fields': []}"),
        contains(startsWith("fields: must declare at least one field")));
  }

  @Test
  void fieldsDynamicContradictingStrictModeIsRejected() {
    assertThat(
        problems("{'mode': 'strict', 'fields': 'dynamic'}"),
        contains("fields: 'dynamic' cannot be combined with mode 'strict'"));
  }

  @Test
  void duplicateFieldNameIsRejected() {
    assertThat(
        problems("{'mode': 'free', 'fields': ['a: int', 'a: str']}"),
        contains("fields[1]: duplicate field name 'a'"));
  }

  @Test
  void nonMappingSchemaIsRejected() {
    assertThat(problems("'dynamic'"), contains(startsWith("expected a mapping")));
  }

  @Test
  void absentSchemaIsRejected() {
    SchemaSpec.ParseResult result = SchemaSpec.parse(MissingNode.getInstance());

    assertThat(result.isValid(), is(false));
    assertThat(result.problems(), contains(containsString("schema is required")));
  }

  @Test
  void contractKeysOfLaterReferenceAreAccepted() {
    SchemaSpec spec =
        parseOk(
            "{'mode': 'flexible', 'fields': ['a: int'], 'required_fields': ['a'],"
                + " 'guaranteed_fields': ['a']}");

    assertThat(spec.fieldNames(), contains("a"));
  }

  @Test
  void fieldSpecStringRoundTrips() {
    assertThat(new FieldSpec("age", FieldType.INT, false).specString(), is("age: int?"));
  }

  @Test
  void toConfigDescribesFieldsForTheAuditTrail() {
    SchemaSpec spec = parseOk("{'mode': 'strict', 'fields': ['id: int']}");

    assertThat(
        spec.toConfig(),
        equalTo(
            Map.of(
                "mode",
                "strict",
                "fields",
                List.of(Map.of("name", "id", "type", "int", "required", true)))));
  }

  @Test
  void specSurvivesJavaSerialization() throws Exception {
    SchemaSpec spec = parseOk("{'mode': 'free', 'fields': ['id: int', 'n: str?']}");

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(spec);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat(in.readObject(), is(spec));
    }
  }
}
