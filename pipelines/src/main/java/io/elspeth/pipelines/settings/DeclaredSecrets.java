package io.elspeth.pipelines.settings;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.PluginDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Tells a {@link SecretFingerprinter} which options the run's plugins declared as secrets ({@link
 * OptionType#SECRET}) and which as something else, so secret detection follows option types rather
 * than name suffixes (a database sink's {@code upsert_key} is a column list).
 */
public final class DeclaredSecrets {
  private DeclaredSecrets() {}

  public static SecretFingerprinter apply(PipelineSettings settings, SecretFingerprinter f) {
    List<PluginDescriptor> plugins = new ArrayList<>();
    plugins.add(settings.source().descriptor());
    settings.transforms().forEach(t -> plugins.add(t.descriptor()));
    settings.aggregations().forEach(a -> plugins.add(a.descriptor()));
    settings.sinks().values().forEach(s -> plugins.add(s.descriptor()));
    if (settings.export() != null) {
      plugins.add(settings.export().sink().descriptor());
    }
    return of(plugins, f);
  }

  /**
   * {@code f} knowing the option types {@code plugins} declare: the settings' own plugins for a
   * run, or every installed plugin before the settings are validated (a name one plugin declares
   * secret then stays a secret for all).
   */
  public static SecretFingerprinter of(
      Collection<? extends PluginDescriptor> plugins, SecretFingerprinter f) {
    Set<String> secret = new LinkedHashSet<>();
    Set<String> plain = new LinkedHashSet<>();
    for (PluginDescriptor d : plugins) {
      for (OptionSpec o : d.options()) {
        (o.type() == OptionType.SECRET ? secret : plain).add(o.name());
      }
    }
    return f.withDeclaredOptions(secret, plain);
  }
}
