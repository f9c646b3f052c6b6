package io.elspeth.console;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the runs list shows: a status (as displayed, so {@code interrupted} is a running run whose
 * owner is gone), runs started on or after {@code from} and before the day after {@code to}, and
 * the page (0-based).
 */
record RunFilter(
    @Nullable String status, @Nullable LocalDate from, @Nullable LocalDate to, int page) {
  static final Set<String> STATUSES = Set.of("running", "completed", "failed", "interrupted");
  static final int PAGE_SIZE = 25;

  /** Reads the query parameters of the runs list; a bad value is a user error naming it. */
  static RunFilter parse(
      @Nullable String status, @Nullable String from, @Nullable String to, @Nullable String page) {
    String s = blankToNull(status);
    if (s != null && !STATUSES.contains(s)) {
      throw new IllegalArgumentException("status must be one of " + STATUSES + ", not '" + s + "'");
    }
    int p = 0;
    String pageText = blankToNull(page);
    if (pageText != null) {
      try {
        p = Integer.parseInt(pageText.trim());
      } catch (NumberFormatException e) {
        p = -1;
      }
      if (p < 0 || p > 1_000_000) {
        throw new IllegalArgumentException("page must be a number from 0, not '" + page + "'");
      }
    }
    return new RunFilter(s, date("from", from), date("to", to), p);
  }

  private static @Nullable LocalDate date(String name, @Nullable String value) {
    String v = blankToNull(value);
    if (v == null) {
      return null;
    }
    try {
      return LocalDate.parse(v);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + " must be a date like 2026-12-07, not '" + v + "'");
    }
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
