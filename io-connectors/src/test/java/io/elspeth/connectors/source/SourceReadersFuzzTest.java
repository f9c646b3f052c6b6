package io.elspeth.connectors.source;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.connectors.split.ReadPosition;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Fuzz targets for the source readers (Jazzer). {@code mvn test} runs the committed seeds in {@code
 * SourceReadersFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes each target for its {@code
 * maxDuration} (docs/testing.md, "Fuzzing"). Jazzer itself reports an undocumented exception, an
 * OutOfMemoryError or a StackOverflowError; the assertions state what must hold of any input.
 */
class SourceReadersFuzzTest {
  private static final char[] DELIMITERS = {',', ';', '\t', ' ', '|'};

  /** Any bytes: every byte is in exactly one record or is a line break between records. */
  @FuzzTest(maxDuration = "60s")
  void csvRecordsAccountForEveryByte(FuzzedDataProvider in) throws IOException {
    long maxField = in.consumeInt(1, 64);
    long maxRow = in.consumeInt(1, 128);
    char delimiter = DELIMITERS[in.consumeInt(0, DELIMITERS.length - 1)];
    boolean reopenable = in.consumeBoolean();
    byte[] data = in.consumeRemainingAsBytes();

    List<byte[]> scanned = new ArrayList<>();
    long cursor;
    try (CsvScanner scanner =
        new CsvScanner(
            new ByteArrayInputStream(data),
            0,
            0,
            (byte) delimiter,
            maxField,
            maxRow,
            reopenable ? input(data) : null)) {
      // The reader skips a UTF-8 byte order mark: it belongs to the file, not to a record.
      scanner.skipPrefix(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
      cursor = scanner.offset();
      CsvScanner.Scanned s;
      while ((s = scanner.next()) != null) {
        assertOnlyLineBreaks(data, cursor, s.start());
        assertThat(s.size(), is(s.end() - s.start()));
        assertThat((long) s.held(), lessThanOrEqualTo(Math.min(s.size(), maxRow)));
        assertThat(
            "the first bytes are the input's",
            Arrays.equals(
                data, (int) s.start(), (int) s.start() + s.held(), s.bytes(), 0, s.held()),
            is(true));
        byte[] bytes = Arrays.copyOfRange(data, (int) s.start(), (int) s.end());
        if (!s.complete()) {
          assertThat(s.sha256(), is(CanonicalJson.sha256Hex(bytes)));
        } else {
          assertThat(s.size(), lessThanOrEqualTo(maxRow));
        }
        assertThat(s.firstLine(), is(1 + lineBreaks(data, s.start())));
        scanned.add(bytes);
        cursor = s.end();
      }
    }
    assertOnlyLineBreaks(data, cursor, data.length);

    // The reader turns each record into exactly one row or malformed record, bytes unchanged.
    CsvRecordReader reader =
        new CsvRecordReader(delimiter, "utf-8", 0, List.of("a", "b"), false, Map.of())
            .withLimits(new SourceLimits(maxField, maxRow));
    List<ParsedRecord> records = new ArrayList<>();
    List<ReadPosition> after = new ArrayList<>();
    RecordReader.Input input = reopenable ? input(data) : once(data);
    try (RecordCursor c = reader.open(input, ReadPosition.start(0))) {
      ParsedRecord r;
      while ((r = c.next()) != null) {
        records.add(r);
        after.add(c.after(ReadPosition.start(0)));
      }
    }
    assertThat(records.size(), is(scanned.size()));
    for (int i = 0; i < records.size(); i++) {
      Object b64 = records.get(i).raw().get("_raw_base64");
      if (b64 != null) {
        assertThat(Base64.getDecoder().decode((String) b64), equalTo(scanned.get(i)));
      }
    }
    // A read resumed after any record yields the same records as the whole read from there.
    if (!records.isEmpty() && reopenable) {
      int k = Math.floorMod(Arrays.hashCode(data), records.size());
      List<ParsedRecord> rest = new ArrayList<>();
      try (RecordCursor c = reader.open(input(data), after.get(k))) {
        ParsedRecord r;
        while ((r = c.next()) != null) {
          rest.add(r);
        }
      }
      assertThat(rest, equalTo(records.subList(k + 1, records.size())));
    }
  }

  /** JSON Lines: each line is one record (or blank), bytes unchanged, nothing thrown. */
  @FuzzTest(maxDuration = "60s")
  void jsonLinesAccountForEveryLine(FuzzedDataProvider in) throws IOException {
    long maxField = in.consumeInt(1, 64);
    long maxRow = in.consumeInt(1, 128);
    byte[] data = in.consumeRemainingAsBytes();

    List<byte[]> lines = new ArrayList<>();
    long cursor = 0;
    try (ByteLines byteLines = new ByteLines(new ByteArrayInputStream(data), 0, 0, maxRow)) {
      ByteLines.Line line;
      while ((line = byteLines.next()) != null) {
        assertOnlyLineBreaks(data, cursor, line.start());
        assertThat(line.number(), is(1 + lineBreaks(data, line.start())));
        byte[] bytes =
            Arrays.copyOfRange(data, (int) line.start(), (int) (line.start() + line.size()));
        assertThat(Arrays.equals(bytes, 0, line.held(), line.bytes(), 0, line.held()), is(true));
        if (!line.complete()) {
          assertThat(line.sha256(), is(CanonicalJson.sha256Hex(bytes)));
        }
        lines.add(bytes);
        cursor = line.start() + line.size();
      }
    }
    assertOnlyLineBreaks(data, cursor, data.length);

    JsonRecordReader reader =
        new JsonRecordReader(JsonRecordReader.Format.JSONL, null, "utf-8")
            .withLimits(new SourceLimits(maxField, maxRow));
    List<ParsedRecord> records = new ArrayList<>();
    reader.read(new ByteArrayInputStream(data), records::add);
    long blank =
        lines.stream()
            .filter(
                l ->
                    l.length <= maxRow
                        && new String(l, java.nio.charset.StandardCharsets.UTF_8).isBlank()
                        && QuarantinedBytes.strict(
                                QuarantinedBytes.strictDecoder(
                                    java.nio.charset.StandardCharsets.UTF_8),
                                l,
                                l.length)
                            != null)
            .count();
    assertThat(records.size(), is((int) (lines.size() - blank)));
  }

  /** A JSON document: items or a located IOException, never anything else. */
  @FuzzTest(maxDuration = "60s")
  void jsonDocumentsFailOnlyWithALocatedError(FuzzedDataProvider in) {
    long maxField = in.consumeInt(1, 64);
    String dataKey = in.consumeBoolean() ? "data" : null;
    byte[] data = in.consumeRemainingAsBytes();
    JsonRecordReader reader =
        new JsonRecordReader(JsonRecordReader.Format.JSON, dataKey, "utf-8")
            .withLimits(new SourceLimits(maxField, 256));
    try {
      reader.read(new ByteArrayInputStream(data), r -> {});
    } catch (IOException e) {
      // Documented: a broken document fails the read with a message (checked by unit tests).
      assertThat(e.getMessage() != null, is(true));
    }
  }

  private static void assertOnlyLineBreaks(byte[] data, long from, long to) {
    assertThat("bytes before a record", from, lessThanOrEqualTo(to));
    for (long i = from; i < to; i++) {
      byte b = data[(int) i];
      assertThat("byte " + i + " belongs to no record", b == '\r' || b == '\n', is(true));
    }
  }

  private static long lineBreaks(byte[] data, long to) {
    long n = 0;
    for (int i = 0; i < to; i++) {
      if (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= data.length || data[i + 1] != '\n'))) {
        n++;
      }
    }
    return n;
  }

  private static RecordReader.Input input(byte[] data) {
    return offset -> new ByteArrayInputStream(data, (int) offset, data.length - (int) offset);
  }

  private static RecordReader.Input once(byte[] data) {
    return new RecordReader.Input() {
      private boolean opened;

      @Override
      public java.io.InputStream openAt(long offset) throws IOException {
        if (opened || offset != 0) {
          throw new IOException("read once");
        }
        opened = true;
        return new ByteArrayInputStream(data);
      }

      @Override
      public boolean reopenable() {
        return false;
      }
    };
  }
}
