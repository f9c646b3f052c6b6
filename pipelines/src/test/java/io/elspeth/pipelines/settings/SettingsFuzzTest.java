package io.elspeth.pipelines.settings;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.elspeth.pipelines.plugins.PluginRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Any bytes as a settings file: loading and validating them ends in a {@link SettingsException}
 * with problems, or in valid settings; never another exception, an endless expansion, an
 * OutOfMemoryError or a StackOverflowError (Jazzer reports those as findings).
 *
 * <p>A plain {@code mvn test} runs the committed inputs under {@code
 * src/test/resources/io/elspeth/pipelines/settings/SettingsFuzzTestInputs/loadAndValidate/} (valid
 * examples, hostile shapes, and every crash found so far); {@code JAZZER_FUZZ=1} fuzzes.
 */
class SettingsFuzzTest {
  private static final SettingsValidator VALIDATOR =
      new SettingsValidator(PluginRegistry.builtIn());
  private static final Path FILE = tempFile();
  private static final Map<String, String> ENV = Map.of("OUT", "out.csv");

  @FuzzTest(maxDuration = "60s")
  void loadAndValidate(byte[] settings) throws IOException {
    Files.write(FILE, settings);
    for (String profile : new String[] {null, "prod"}) {
      try {
        VALIDATOR.validate(FILE, SettingsLoader.load(FILE, profile, ENV));
      } catch (SettingsException e) {
        if (e.problems().isEmpty()
            || e.problems().stream().anyMatch(p -> p == null || p.isBlank())) {
          throw new AssertionError("a settings error without a problem to show: " + e.getMessage());
        }
      }
    }
  }

  private static Path tempFile() {
    try {
      Path f = Files.createTempFile("elspeth-fuzz-settings", ".yaml");
      f.toFile().deleteOnExit();
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
