package io.elspeth.audit.store;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SqlValuesTest {
  private static final DateTimeFormatter REFERENCE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

  @Test
  void sqliteTimestampTextIsTheFormattersTextTruncatedToMicroseconds() {
    Random random = new Random(7);
    long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    for (int i = 0; i < 20_000; i++) {
      Instant t =
          Instant.ofEpochSecond(
              Math.floorMod(random.nextLong(), max), random.nextInt(1_000_000_000));
      assertThat(SqlValues.sqliteText(t), is(REFERENCE.format(t.truncatedTo(ChronoUnit.MICROS))));
    }
    for (String edge :
        new String[] {
          "1970-01-01T00:00:00Z",
          "0001-01-01T00:00:00Z",
          "0000-06-01T00:00:00Z",
          "2024-02-29T23:59:59.999999999Z",
          "1969-12-31T23:59:59.000001Z"
        }) {
      Instant t = Instant.parse(edge);
      assertThat(
          edge, SqlValues.sqliteText(t), is(REFERENCE.format(t.truncatedTo(ChronoUnit.MICROS))));
    }
  }

  @Test
  void yearsBeyondFourDigitsFallBackToTheFormatter() {
    Instant t = Instant.parse("+12345-06-07T08:09:10.123456Z");
    assertThat(SqlValues.sqliteText(t), is(REFERENCE.format(t)));
  }
}
