package io.elspeth.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.elspeth.pipelines.launch.RunProgress;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TextRunReportTest {
  private static String line(RunProgress p) {
    StringWriter out = new StringWriter();
    new TextRunReport(new PrintWriter(out, true)).progress(p);
    return out.toString().strip();
  }

  @Test
  void aReportWhileRowsMoveSaysTheShareOfTheEstimateAndTheTimeLeft() {
    String line = line(new RunProgress(250_000, 240_000, 200_000, 40_000, 0, 0, 50.0, 1_028_941));
    assertThat(line, containsString("250,000 rows read"));
    assertThat(line, containsString("24% of ~1,028,941 rows read"));
    assertThat(line, containsString("left to read"));
  }

  @Test
  void theLastReportGivesTheRunsCountsWithoutTheSampledEstimate() {
    RunProgress last =
        new RunProgress(1_000_000, 1_000_000, 500_000, 500_000, 0, 0, 244.0, 1_028_941, true);
    String line = line(last);
    assertThat(line, containsString("1,000,000 rows read, 1,000,000 processed"));
    assertThat(line, not(containsString("~1,028,941")));
    assertThat(line, not(containsString("left")));
    assertThat(last.secondsLeft().isPresent(), is(false));
  }
}
