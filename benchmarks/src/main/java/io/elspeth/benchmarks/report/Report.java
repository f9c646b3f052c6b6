package io.elspeth.benchmarks.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of one harness run, as a terminal table, JSON and Markdown. */
public record Report(
    Instant startedAt,
    Map<String, String> environment,
    List<Figure> figures,
    List<MemoryFigure> memory) {

  public Report(Instant startedAt, Map<String, String> environment, List<Figure> figures) {
    this(startedAt, environment, figures, List.of());
  }

  public String table() {
    StringBuilder sb = new StringBuilder();
    if (!figures.isEmpty()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-28s %14s %14s %8s %17s %6s %s%n",
              "scenario",
              "measured",
              "baseline",
              "ratio",
              "spread",
              "goal",
              "unit"));
    }
    for (Figure f : figures) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-28s %14.1f %14.1f %8.3f %8.3f..%-7.3f %6s %s%n",
              f.scenario(),
              f.medianMeasured(),
              f.medianBaseline(),
              f.medianRatio(),
              f.minRatio(),
              f.maxRatio(),
              f.goal() == null ? "-" : String.format(Locale.ROOT, "%.2f", f.goal()),
              f.unit()));
    }
    for (MemoryFigure m : memory) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-28s %s, %d of %d rows recorded in %.0f s"
                  + " (%.0f rows/s), peak heap %d MiB of %d (live %d MiB)%s%n",
              m.scenario(),
              m.completed() ? "completed" : "DID NOT COMPLETE",
              m.rowsRecorded(),
              m.rows(),
              m.seconds(),
              m.rowsPerSecond(),
              m.peakHeapMiB(),
              m.heapLimitMiB(),
              m.peakLiveMiB(),
              m.failure() == null ? "" : ": " + m.failure()));
    }
    return sb.toString();
  }

  public String markdown() {
    StringBuilder sb = new StringBuilder("# Benchmark figures\n\n");
    sb.append("Run at ").append(startedAt).append(". ");
    environment.forEach((k, v) -> sb.append(k).append(": ").append(v).append(". "));
    sb.append("\n\nEach ratio is measured ÷ baseline, both measured side by side in the same run;")
        .append(" the median over the repetitions and its spread (min..max).\n\n")
        .append("| scenario | what | measured (median) | baseline (median) | unit | ratio | spread")
        .append(" | goal | met |\n|---|---|---|---|---|---|---|---|---|\n");
    for (Figure f : figures) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.1f | %.1f | %s | %.3f | %.3f..%.3f | %s | %s |%n",
              f.scenario(),
              f.description(),
              f.medianMeasured(),
              f.medianBaseline(),
              f.unit(),
              f.medianRatio(),
              f.minRatio(),
              f.maxRatio(),
              f.goal() == null ? "-" : String.format(Locale.ROOT, "%.2f", f.goal()),
              f.goal() == null ? "-" : f.meetsGoal() ? "yes" : "no"));
    }
    if (!memory.isEmpty()) {
      sb.append("\n## Memory\n\n| scenario | what | completed | rows recorded | seconds | rows/s")
          .append(" | peak heap MiB | peak live MiB | heap limit MiB | GCs | failure |\n")
          .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
      for (MemoryFigure m : memory) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %d of %d | %.0f | %.0f | %d | %d | %d" + " | %d | %s |%n",
                m.scenario(),
                m.description(),
                m.completed() ? "yes" : "no",
                m.rowsRecorded(),
                m.rows(),
                m.seconds(),
                m.rowsPerSecond(),
                m.peakHeapMiB(),
                m.peakLiveMiB(),
                m.heapLimitMiB(),
                m.collections(),
                m.failure() == null ? "-" : m.failure().replace("|", "/")));
      }
    }
    return sb.toString();
  }

  public Map<String, Object> json() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("started_at", startedAt.toString());
    root.put("environment", environment);
    List<Map<String, Object>> list = new ArrayList<>();
    for (Figure f : figures) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("scenario", f.scenario());
      m.put("description", f.description());
      m.put("unit", f.unit());
      m.put("measured", f.measured());
      m.put("baseline", f.baseline());
      m.put("ratios", f.ratios());
      m.put("median_ratio", f.medianRatio());
      m.put("min_ratio", f.minRatio());
      m.put("max_ratio", f.maxRatio());
      m.put("goal", f.goal());
      m.put("meets_goal", f.meetsGoal());
      list.add(m);
    }
    root.put("figures", list);
    root.put("memory", memory);
    return root;
  }

  /** Writes {@code figures.json} and {@code figures.md} into {@code dir}. */
  public void writeTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(dir.resolve("figures.json").toFile(), json());
    Files.writeString(dir.resolve("figures.md"), markdown());
  }
}
