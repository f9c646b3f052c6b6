package io.elspeth.benchmarks.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The heap figures of a unified JVM GC log ({@code -Xlog:gc:file=...}): every collection line
 * carries {@code BEFOREM->AFTERM(COMMITTEDM)}. Read from the log rather than from inside the JVM so
 * that a run that died of an OutOfMemoryError still reports its peak.
 */
public record GcLog(long peakBeforeMiB, long peakAfterMiB, int collections) {
  private static final Pattern HEAP = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

  public static GcLog read(Path log) throws IOException {
    if (!Files.exists(log)) {
      return new GcLog(0, 0, 0);
    }
    long before = 0;
    long after = 0;
    int count = 0;
    for (String line : Files.readAllLines(log)) {
      Matcher m = HEAP.matcher(line);
      if (m.find()) {
        before = Math.max(before, Long.parseLong(m.group(1)));
        after = Math.max(after, Long.parseLong(m.group(2)));
        count++;
      }
    }
    return new GcLog(before, after, count);
  }
}
