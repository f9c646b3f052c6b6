package io.elspeth.pipelines.e2e;

import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.transforms.local.TransformOptions;
import io.elspeth.transforms.step.RowTransform;
import io.elspeth.transforms.step.TransformPlugin;
import io.elspeth.transforms.step.TransformResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test-only transform {@code test_fail_once}: passes rows through, and on the {@code on_row}-th row
 * it sees in this JVM kills its runner task, once per {@code marker} file (created when it fires,
 * so a restarted task goes through). It throws an {@link Error}, as a crashing worker would: a
 * RuntimeException is a plugin bug the step records as a failed row, which is not what this
 * simulates. Registered only by tests ({@link
 * io.elspeth.pipelines.plugins.PluginRegistry#withTransform}).
 */
final class FailOnceInTaskPlugin implements TransformPlugin {
  /** What the injected failure throws. */
  static final class InjectedTaskFailure extends Error {
    InjectedTaskFailure(String message) {
      super(message);
    }
  }

  @Override
  public String name() {
    return "test_fail_once";
  }

  @Override
  public String description() {
    return "Test only: kills the task once, on the Nth row";
  }

  @Override
  public List<OptionSpec> options() {
    return TransformOptions.with(
        OptionSpec.required("marker", OptionType.STRING, "file created when the failure fires"),
        OptionSpec.optional("on_row", OptionType.INT, 1L, "rows seen before the failure"));
  }

  @Override
  public RowTransform create(PluginOptions options) {
    return new FailOnce(options.requiredString("marker"), options.integer("on_row", 1));
  }

  private record FailOnce(String marker, long onRow) implements RowTransform {
    private static final Map<String, AtomicLong> SEEN = new ConcurrentHashMap<>();

    @Override
    public TransformResult apply(Map<String, Object> row) {
      long seen = SEEN.computeIfAbsent(marker, k -> new AtomicLong()).incrementAndGet();
      if (seen >= onRow && !Files.exists(Path.of(marker))) {
        try {
          Files.createFile(Path.of(marker));
        } catch (FileAlreadyExistsException e) {
          return TransformResult.success(row);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        throw new InjectedTaskFailure("injected task failure on row " + seen + " seen by this JVM");
      }
      return TransformResult.success(row);
    }
  }
}
