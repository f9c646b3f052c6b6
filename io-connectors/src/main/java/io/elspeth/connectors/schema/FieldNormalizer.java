package io.elspeth.connectors.schema;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Resolves the field names of tabular sources from their headers: the {@code normalize_fields} and
 * {@code field_mapping} options.
 *
 * <p>Normalization turns a header into a safe identifier:
 *
 * <ol>
 *   <li>Unicode NFKC normalization, strip surrounding whitespace, lower-case;
 *   <li>replace every run of characters other than {@code [a-z0-9_]} by one {@code _}, and collapse
 *       runs of {@code _};
 *   <li>strip leading and trailing {@code _};
 *   <li>an empty result becomes {@code field_<n>} ({@code n} the 1-based column position);
 *   <li>prefix {@code _} when it starts with a digit;
 *   <li>append {@code _} when it is a Python keyword ({@code class -> class_}).
 * </ol>
 *
 * <p>Examples: {@code "First Name" -> first_name}, {@code "2nd" -> _2nd}, {@code " Amount ($) " ->
 * amount}.
 */
public final class FieldNormalizer {

  /** Version of the normalization algorithm, recorded in the audit trail when it is applied. */
  public static final String ALGORITHM_VERSION = "1.0.0";

  private static final Pattern NON_IDENTIFIER_RUN = Pattern.compile("[^a-z0-9_]+");
  private static final Pattern UNDERSCORE_RUN = Pattern.compile("_{2,}");

  /**
   * Python's (hard) keywords ({@code keyword.kwlist}). A normalized name is lower-cased first, so
   * only the lower-case ones can match it; {@code rag_retrieval} refuses them all as prefixes.
   */
  private static final Set<String> PYTHON_KEYWORDS =
      Set.of(
          "False",
          "None",
          "True",
          "and",
          "as",
          "assert",
          "async",
          "await",
          "break",
          "class",
          "continue",
          "def",
          "del",
          "elif",
          "else",
          "except",
          "finally",
          "for",
          "from",
          "global",
          "if",
          "import",
          "in",
          "is",
          "lambda",
          "nonlocal",
          "not",
          "or",
          "pass",
          "raise",
          "return",
          "try",
          "while",
          "with",
          "yield");

  private FieldNormalizer() {}

  /** Whether {@code name} is one of Python's keywords (case-sensitive, as Python's own test). */
  public static boolean isPythonKeyword(String name) {
    return PYTHON_KEYWORDS.contains(name);
  }

  /**
   * Normalizes one header.
   *
   * @param raw the header as read from the file
   * @param position the 1-based column position, used for the name of an otherwise empty header
   * @return a non-empty identifier made of {@code [a-z0-9_]}
   */
  public static String normalizeName(String raw, int position) {
    Objects.requireNonNull(raw, "raw");
    String name = Normalizer.normalize(raw, Normalizer.Form.NFKC).strip().toLowerCase(Locale.ROOT);
    name = NON_IDENTIFIER_RUN.matcher(name).replaceAll("_");
    name = UNDERSCORE_RUN.matcher(name).replaceAll("_");
    name = stripUnderscores(name);
    if (name.isEmpty()) {
      return "field_" + position;
    }
    if (name.charAt(0) >= '0' && name.charAt(0) <= '9') {
      name = "_" + name;
    }
    if (PYTHON_KEYWORDS.contains(name)) {
      name = name + "_";
    }
    return name;
  }

  /**
   * Resolves final field names from headers.
   *
   * <p>First the headers are normalized (when {@code normalize} is set), then {@code fieldMapping}
   * renames fields; a mapping key may be either the original header or its normalized name.
   *
   * @param headers the headers (or configured column names), in column order
   * @param normalize whether to apply {@link #normalizeName}
   * @param fieldMapping renames, {@code from -> to}; may be {@code null} or empty
   * @return the final names and the original-to-final resolution
   * @throws FieldNameCollisionException if two headers end with the same name (duplicate headers,
   *     after normalization, or after mapping)
   * @throws IllegalArgumentException if a mapping key matches no header, two keys name the same
   *     column, or a mapping target is blank
   */
  public static NormalizationResult normalize(
      List<String> headers, boolean normalize, @Nullable Map<String, String> fieldMapping) {
    Objects.requireNonNull(headers, "headers");
    List<String> originals = new ArrayList<>(headers.size());
    List<String> effective = new ArrayList<>(headers.size());
    for (int i = 0; i < headers.size(); i++) {
      String header = Objects.requireNonNull(headers.get(i), "header at position " + (i + 1));
      originals.add(header);
      effective.add(normalize ? normalizeName(header, i + 1) : header);
    }
    checkCollisions(
        originals,
        effective,
        normalize ? "field name collision after normalization" : "duplicate header names");

    List<String> finalNames = effective;
    Map<String, String> mapping = fieldMapping == null ? Map.of() : fieldMapping;
    if (!mapping.isEmpty()) {
      finalNames = applyMapping(originals, effective, mapping);
      checkCollisions(originals, finalNames, "field_mapping creates a field name collision");
    }

    Map<String, String> resolution = new LinkedHashMap<>();
    for (int i = 0; i < originals.size(); i++) {
      resolution.put(originals.get(i), finalNames.get(i));
    }
    return new NormalizationResult(finalNames, resolution, normalize ? ALGORITHM_VERSION : null);
  }

  private static List<String> applyMapping(
      List<String> originals, List<String> effective, Map<String, String> mapping) {
    for (Map.Entry<String, String> entry : mapping.entrySet()) {
      String target = entry.getValue();
      if (target == null || target.isBlank()) {
        throw new IllegalArgumentException(
            "field_mapping: target for '" + entry.getKey() + "' must be a non-empty field name");
      }
    }
    Set<String> used = new LinkedHashSet<>();
    List<String> result = new ArrayList<>(effective.size());
    for (int i = 0; i < effective.size(); i++) {
      String normalizedKey = effective.get(i);
      String originalKey = originals.get(i);
      boolean byNormalized = mapping.containsKey(normalizedKey);
      boolean byOriginal = !originalKey.equals(normalizedKey) && mapping.containsKey(originalKey);
      if (byNormalized && byOriginal) {
        throw new IllegalArgumentException(
            "field_mapping: keys '"
                + originalKey
                + "' and '"
                + normalizedKey
                + "' both name column "
                + (i + 1));
      }
      if (byNormalized) {
        used.add(normalizedKey);
        result.add(mapping.get(normalizedKey));
      } else if (byOriginal) {
        used.add(originalKey);
        result.add(mapping.get(originalKey));
      } else {
        result.add(normalizedKey);
      }
    }
    Set<String> unknown = new TreeSet<>(mapping.keySet());
    unknown.removeAll(used);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "field_mapping: "
              + (unknown.size() == 1 ? "key " : "keys ")
              + unknown.stream().map(k -> "'" + k + "'").collect(Collectors.joining(", "))
              + " match no header (available: "
              + String.join(", ", effective)
              + ")");
    }
    return result;
  }

  private static void checkCollisions(List<String> originals, List<String> resulting, String what) {
    Map<String, List<Integer>> positions = new LinkedHashMap<>();
    for (int i = 0; i < resulting.size(); i++) {
      positions.computeIfAbsent(resulting.get(i), k -> new ArrayList<>()).add(i);
    }
    List<String> details = new ArrayList<>();
    String firstName = null;
    List<String> firstOriginals = null;
    for (Map.Entry<String, List<Integer>> entry : positions.entrySet()) {
      List<Integer> columns = entry.getValue();
      if (columns.size() < 2) {
        continue;
      }
      List<String> sources = new ArrayList<>();
      for (int column : columns) {
        sources.add(originals.get(column));
      }
      if (firstName == null) {
        firstName = entry.getKey();
        firstOriginals = sources;
      }
      details.add(
          columns.stream()
                  .map(c -> "'" + originals.get(c) + "' (column " + (c + 1) + ")")
                  .collect(Collectors.joining(" and "))
              + (columns.size() == 2 ? " both become '" : " all become '")
              + entry.getKey()
              + "'");
    }
    if (firstName != null && firstOriginals != null) { // set together
      throw new FieldNameCollisionException(
          what + ": " + String.join("; ", details), firstName, firstOriginals);
    }
  }

  private static String stripUnderscores(String name) {
    int start = 0;
    int end = name.length();
    while (start < end && name.charAt(start) == '_') {
      start++;
    }
    while (end > start && name.charAt(end - 1) == '_') {
      end--;
    }
    return name.substring(start, end);
  }
}
