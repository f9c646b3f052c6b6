package io.elspeth.benchmarks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.elspeth.benchmarks.report.Figure;
import io.elspeth.benchmarks.report.Report;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir
  Path dir;

  @Test
  void aFigureIsTheMedianRatioOfSideBySideMeasurements() {
    Figure f = new Figure("s", "d", "rows/s", List.of(90.0, 50.0, 80.0), List.of(100.0, 100.0,
        100.0), 0.8);
    assertThat(f.medianRatio(), closeTo(0.8, 1e-9));
    assertThat(f.minRatio(), closeTo(0.5, 1e-9));
    assertThat(f.maxRatio(), closeTo(0.9, 1e-9));
    assertThat(f.meetsGoal(), is(true));
  }

  @Test
  void theReportIsWrittenAsJsonAndMarkdown() throws Exception {
    Report r = new Report(Instant.EPOCH, Map.of("cores", "2"), List.of(new Figure("s", "d",
        "rows/s", List.of(1.0), List.of(2.0), null)));
    r.writeTo(dir);
    assertThat(Files.readString(dir.resolve("figures.md")), containsString("| s | d | 1.0 | 2.0"));
    assertThat(Files.readString(dir.resolve("figures.json")), containsString("\"median_ratio\" : 0.5"));
    assertThat(r.table(), containsString("0.500"));
  }
}
