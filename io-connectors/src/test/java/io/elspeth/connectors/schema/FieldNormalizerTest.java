package io.elspeth.connectors.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FieldNormalizerTest {

  private static String norm(String header) {
    return FieldNormalizer.normalizeName(header, 1);
  }

  @Test
  void spacesBecomeUnderscoresAndCaseIsLowered() {
    assertThat(norm("First Name"), is("first_name"));
  }

  @Test
  void leadingDigitGetsUnderscorePrefix() {
    assertThat(norm("2nd"), is("_2nd"));
  }

  @Test
  void pythonKeywordGetsUnderscoreSuffix() {
    assertThat(norm("class"), is("class_"));
    assertThat(norm("From"), is("from_"));
    assertThat(norm("IF"), is("if_"));
  }

  @Test
  void surroundingWhitespaceAndPunctuationAreStripped() {
    assertThat(norm("  Amount ($) "), is("amount"));
  }

  @Test
  void runsOfSymbolsAndUnderscoresCollapseToOneUnderscore() {
    assertThat(norm("CaSE Study1 !!!! xx!"), is("case_study1_xx"));
    assertThat(norm("a__b"), is("a_b"));
  }

  @Test
  void compatibilityCharactersAreFoldedByNfkc() {
    assertThat(norm("\uFF21\uFF22\uFF23 \u2460"), is("abc_1"));
  }

  @Test
  void headerWithNoIdentifierCharactersBecomesFieldPosition() {
    assertThat(FieldNormalizer.normalizeName(" ?! ", 3), is("field_3"));
  }

  @Test
  void normalizeReturnsNamesAndResolution() {
    NormalizationResult result =
        FieldNormalizer.normalize(List.of("First Name", "2nd", "class"), true, Map.of());

    assertThat(result.names(), contains("first_name", "_2nd", "class_"));
    assertThat(
        result.resolution(),
        equalTo(Map.of("First Name", "first_name", "2nd", "_2nd", "class", "class_")));
    assertThat(result.normalizationVersion(), is(FieldNormalizer.ALGORITHM_VERSION));
  }

  @Test
  void withoutNormalizationHeadersAreKept() {
    NormalizationResult result = FieldNormalizer.normalize(List.of("First Name", "x"), false, null);

    assertThat(result.names(), contains("First Name", "x"));
    assertThat(result.normalizationVersion(), is(nullValue()));
  }

  @Test
  void normalizationCollisionNamesBothOriginalsAndResult() {
    FieldNameCollisionException e =
        assertThrows(
            FieldNameCollisionException.class,
            () -> FieldNormalizer.normalize(List.of("id", "First Name", "first-name"), true, null));

    assertThat(e.collidingName(), is("first_name"));
    assertThat(e.originals(), contains("First Name", "first-name"));
    assertThat(e.getMessage(), containsString("'First Name' (column 2)"));
    assertThat(e.getMessage(), containsString("'first-name' (column 3)"));
    assertThat(e.getMessage(), containsString("'first_name'"));
  }

  @Test
  void duplicateRawHeadersCollideWithoutNormalization() {
    FieldNameCollisionException e =
        assertThrows(
            FieldNameCollisionException.class,
            () -> FieldNormalizer.normalize(List.of("a", "b", "a"), false, null));

    assertThat(e.originals(), contains("a", "a"));
  }

  @Test
  void mappingRenamesByNormalizedName() {
    NormalizationResult result =
        FieldNormalizer.normalize(List.of("First Name", "Age"), true, Map.of("first_name", "name"));

    assertThat(result.names(), contains("name", "age"));
    assertThat(result.resolution(), equalTo(Map.of("First Name", "name", "Age", "age")));
  }

  @Test
  void mappingRenamesByOriginalHeader() {
    NormalizationResult result =
        FieldNormalizer.normalize(List.of("First Name", "Age"), true, Map.of("Age", "years"));

    assertThat(result.names(), contains("first_name", "years"));
  }

  @Test
  void mappingWithoutNormalizationRenamesRawHeader() {
    NormalizationResult result =
        FieldNormalizer.normalize(List.of("Col A", "Col B"), false, Map.of("Col B", "b"));

    assertThat(result.names(), contains("Col A", "b"));
  }

  @Test
  void mappingKeyMatchingNoHeaderIsReported() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FieldNormalizer.normalize(List.of("a", "b"), true, Map.of("zzz", "x")));

    assertThat(e.getMessage(), containsString("'zzz'"));
  }

  @Test
  void mappingCreatingCollisionIsReported() {
    FieldNameCollisionException e =
        assertThrows(
            FieldNameCollisionException.class,
            () -> FieldNormalizer.normalize(List.of("a", "b"), true, Map.of("a", "b")));

    assertThat(e.collidingName(), is("b"));
    assertThat(e.originals(), contains("a", "b"));
  }

  @Test
  void mappingCanSwapTwoNames() {
    Map<String, String> mapping = new LinkedHashMap<>();
    mapping.put("a", "b");
    mapping.put("b", "a");

    assertThat(
        FieldNormalizer.normalize(List.of("a", "b"), true, mapping).names(), contains("b", "a"));
  }
}
