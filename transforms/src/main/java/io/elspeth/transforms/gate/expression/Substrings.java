package io.elspeth.transforms.gate.expression;

/**
 * Substring search in time linear in the lengths of both strings. {@link String#contains} is
 * quadratic in the worst case, so a row-supplied haystack and needle of a million characters each
 * could hold a worker for minutes; Knuth-Morris-Pratt cannot.
 */
final class Substrings {

  /** Below this needle length the JDK's search is at most a small constant factor from linear. */
  private static final int SHORT_NEEDLE = 32;

  private Substrings() {}

  /** Whether {@code needle} occurs in {@code haystack}, comparing UTF-16 code units. */
  static boolean contains(String haystack, String needle) {
    if (needle.length() <= SHORT_NEEDLE || needle.length() > haystack.length()) {
      return haystack.contains(needle);
    }
    int[] fallback = failureTable(needle);
    int matched = 0;
    for (int i = 0; i < haystack.length(); i++) {
      char c = haystack.charAt(i);
      while (matched > 0 && needle.charAt(matched) != c) {
        matched = fallback[matched - 1];
      }
      if (needle.charAt(matched) == c) {
        matched++;
        if (matched == needle.length()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * {@code table[i]}: length of the longest proper prefix of needle[0..i] that is also a suffix.
   */
  private static int[] failureTable(String needle) {
    int[] table = new int[needle.length()];
    int length = 0;
    for (int i = 1; i < needle.length(); i++) {
      while (length > 0 && needle.charAt(i) != needle.charAt(length)) {
        length = table[length - 1];
      }
      if (needle.charAt(i) == needle.charAt(length)) {
        length++;
      }
      table[i] = length;
    }
    return table;
  }
}
