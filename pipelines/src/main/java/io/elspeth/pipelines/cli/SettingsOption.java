package io.elspeth.pipelines.cli;

import io.elspeth.pipelines.plugins.PluginRegistry;
import io.elspeth.pipelines.settings.PipelineSettings;
import io.elspeth.pipelines.settings.SettingsLoader;
import io.elspeth.pipelines.settings.SettingsValidator;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** The settings options shared by run and validate. */
final class SettingsOption {
  @Option(
      names = {"-s", "--settings"},
      required = true,
      paramLabel = "FILE",
      description = "Pipeline settings YAML file.")
  Path file;

  @Option(
      names = {"-p", "--profile"},
      paramLabel = "NAME",
      description = "Profile under 'profiles:' to apply over 'default:'.")
  String profile;

  PipelineSettings load() {
    CliErrors.forgetSecrets();
    Map<String, Object> raw = SettingsLoader.load(file, profile);
    PluginRegistry plugins = PluginRegistry.installed();
    CliErrors.secretsOf(raw, plugins.all());
    return new SettingsValidator(plugins).validate(file, raw);
  }
}
