package io.elspeth.pipelines.settings;

import static io.elspeth.pipelines.settings.PluginResolver.mapOrProblem;

import io.elspeth.audit.journal.LandscapeJournal;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.plugin.OptionSpec;
import io.elspeth.plugin.OptionType;
import io.elspeth.plugin.OptionsValidator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code landscape} section: the Landscape's URL and backend (SQLCipher refused, never
 * disabled), its commit batch size, and the JSONL change journal ({@code dump_to_jsonl}).
 */
final class LandscapeSection {
  static final List<OptionSpec> LANDSCAPE =
      List.of(
          OptionSpec.optional("enabled", OptionType.BOOL, true, "the Landscape cannot be disabled"),
          OptionSpec.oneOf(
              "backend",
              null,
              List.of("sqlite", "sqlcipher", "postgresql"),
              "database kind (sqlcipher is refused: no encrypted SQLite here)"),
          OptionSpec.optional(
              "encryption_key_env",
              OptionType.STRING,
              null,
              "SQLCipher key variable (refused with sqlcipher)"),
          OptionSpec.optional(
              "url",
              OptionType.STRING,
              SettingsValidator.DEFAULT_LANDSCAPE_URL,
              "sqlite:///path.db or postgresql://user:password@host:port/db"),
          OptionSpec.optional(
              "commit_batch_size",
              OptionType.INT,
              (long) io.elspeth.audit.commit.LandscapeCommit.DEFAULT_MAX_BATCH_SIZE,
              "most audit records per transaction; a bundle with more commits early"),
          OptionSpec.optional("export", OptionType.OBJECT, null, "post-run export"),
          OptionSpec.optional("dump_to_jsonl", OptionType.BOOL, false, "JSONL change journal"),
          OptionSpec.optional("dump_to_jsonl_path", OptionType.STRING, null, "journal path"),
          OptionSpec.optional("dump_to_jsonl_fail_on_error", OptionType.BOOL, false, ""),
          OptionSpec.optional("dump_to_jsonl_include_payloads", OptionType.BOOL, false, ""),
          OptionSpec.optional("dump_to_jsonl_payload_base_path", OptionType.STRING, null, ""),
          OptionSpec.optional(
              "secret_url_params",
              OptionType.STRING_LIST,
              null,
              "extra URL query/fragment parameter names whose values are credentials"));

  private LandscapeSection() {}

  static @Nullable LandscapeUrl landscape(@Nullable Object raw, List<String> problems) {
    Map<String, Object> m = raw == null ? Map.of() : mapOrProblem(raw, "landscape", problems);
    if (m == null) {
      return null;
    }
    OptionsValidator.Result r = OptionsValidator.validate(m, LANDSCAPE, "landscape", Set.of());
    problems.addAll(r.problems());
    if (r.options() == null) {
      return null;
    }
    if (!r.options().bool("enabled", true)) {
      problems.add(
          "landscape.enabled: the Landscape is the legal record of a run and cannot be"
              + " disabled");
    }
    if (r.options().integer("commit_batch_size", 1) < 1) {
      problems.add(
          "landscape.commit_batch_size: expected 1 or more, got "
              + r.options().integer("commit_batch_size", 1));
    }
    if ("sqlcipher".equals(r.options().string("backend")) || m.containsKey("encryption_key_env")) {
      problems.add(
          "landscape.backend: sqlcipher (an encrypted SQLite Landscape, with"
              + " encryption_key_env) is not supported: this project has no SQLCipher driver; use"
              + " backend sqlite on an encrypted volume, or postgresql with encryption at rest");
      return null;
    }
    String url = r.options().requiredString("url");
    try {
      LandscapeUrl parsed = LandscapeUrl.parse(url);
      String backend = r.options().string("backend");
      if (backend != null && !backend.equals(parsed.dialect().name().toLowerCase())) {
        problems.add("landscape.backend: '" + backend + "' does not match the url " + parsed);
      }
      return parsed;
    } catch (IllegalArgumentException e) {
      problems.add("landscape.url: " + e.getMessage());
      return null;
    }
  }

  /**
   * {@code landscape.dump_to_jsonl} and its options as the journal's settings (paths made absolute,
   * so every worker writes the same file), or null when the journal is off.
   */
  static LandscapeJournal.@Nullable Options journal(
      Map<String, Object> raw, @Nullable LandscapeUrl landscape, List<String> problems) {
    if (!(raw.get("landscape") instanceof Map<?, ?> m)
        || !Boolean.TRUE.equals(m.get("dump_to_jsonl"))
        || landscape == null) {
      return null;
    }
    Object path = m.get("dump_to_jsonl_path");
    java.nio.file.Path file =
        path instanceof String p
            ? java.nio.file.Path.of(p).toAbsolutePath()
            : LandscapeJournal.defaultPath(landscape);
    if (file == null) {
      problems.add(
          "landscape.dump_to_jsonl_path: required when dump_to_jsonl is on and the"
              + " Landscape is not a SQLite file ("
              + landscape
              + ")");
      return null;
    }
    boolean payloads = Boolean.TRUE.equals(m.get("dump_to_jsonl_include_payloads"));
    Object base = m.get("dump_to_jsonl_payload_base_path");
    String payloadBase =
        !payloads
            ? null
            : java.nio.file.Path.of(base instanceof String b ? b : RunSections.payloadBasePath(raw))
                .toAbsolutePath()
                .toString();
    return new LandscapeJournal.Options(
        file.toString(),
        Boolean.TRUE.equals(m.get("dump_to_jsonl_fail_on_error")),
        payloads,
        payloadBase);
  }
}
