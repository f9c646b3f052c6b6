package io.elspeth.benchmarks;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.elspeth.benchmarks.report.Figure;
import io.elspeth.benchmarks.report.MemoryFigure;
import io.elspeth.benchmarks.report.Report;
import io.elspeth.benchmarks.scenario.GcLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir Path dir;

  @Test
  void aFigureIsTheMedianRatioOfSideBySideMeasurements() {
    Figure f =
        new Figure(
            "s", "d", "rows/s", List.of(90.0, 50.0, 80.0), List.of(100.0, 100.0, 100.0), 0.8);
    assertThat(f.medianRatio(), closeTo(0.8, 1e-9));
    assertThat(f.minRatio(), closeTo(0.5, 1e-9));
    assertThat(f.maxRatio(), closeTo(0.9, 1e-9));
    assertThat(f.meetsGoal(), is(true));
  }

  @Test
  void theReportIsWrittenAsJsonAndMarkdown() throws Exception {
    Report r =
        new Report(
            Instant.EPOCH,
            Map.of("cores", "2"),
            List.of(new Figure("s", "d", "rows/s", List.of(1.0), List.of(2.0), null)));
    r.writeTo(dir);
    assertThat(Files.readString(dir.resolve("figures.md")), containsString("| s | d | 1.0 | 2.0"));
    assertThat(
        Files.readString(dir.resolve("figures.json")), containsString("\"median_ratio\" : 0.5"));
    assertThat(r.table(), containsString("0.500"));
  }

  @Test
  void aMemoryFigureIsReportedBesideTheRatios() throws Exception {
    Report r =
        new Report(
            Instant.EPOCH,
            Map.of("cores", "2"),
            List.of(),
            List.of(
                new MemoryFigure(
                    "memory-bounded",
                    "d",
                    1000,
                    512,
                    false,
                    10.0,
                    400,
                    511,
                    480,
                    7,
                    "exit 3: java.lang.OutOfMemoryError: Java heap space")));
    r.writeTo(dir);
    assertThat(
        Files.readString(dir.resolve("figures.md")),
        containsString(
            "| memory-bounded | d | no | 400 of 1000 | 10 | 40 | 511 | 480 | 512 | 7 |"));
    assertThat(
        Files.readString(dir.resolve("figures.json")), containsString("\"peakHeapMiB\" : 511"));
    assertThat(r.table(), containsString("DID NOT COMPLETE, 400 of 1000 rows recorded"));
  }

  @Test
  void theGcLogGivesThePeakHeapBeforeAndAfterCollections() throws Exception {
    Path log = dir.resolve("gc.log");
    Files.writeString(
        log,
        """
        [0.010s][info][gc] Using G1
        [1.234s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(256M) 2.345ms
        [2.000s][info][gc] GC(1) Pause Young (Normal) (G1 Evacuation Pause) 300M->120M(512M) 5.1ms
        [3.000s][info][gc] GC(2) Pause Full (G1 Compaction Pause) 200M->150M(512M) 50.0ms
        """);
    GcLog gc = GcLog.read(log);
    assertThat(gc.peakBeforeMiB(), is(300L));
    assertThat(gc.peakAfterMiB(), is(150L));
    assertThat(gc.collections(), is(3));
    assertThat(GcLog.read(dir.resolve("absent.log")).collections(), is(0));
  }
}
