package io.elspeth.pipelines.cli;

import io.elspeth.audit.secrets.SecretFingerprinter;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.connectors.blob.BlobFailure;
import io.elspeth.pipelines.settings.DeclaredSecrets;
import io.elspeth.pipelines.settings.SettingsException;
import io.elspeth.plugin.PluginDescriptor;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine.Model.CommandSpec;

/**
 * How the CLI reports a failure: {@code elspeth: <message>} with the messages of the cause chain
 * (each said once), and the stack trace only when asked for with {@code --verbose}. Every text
 * printed goes through {@link #scrub}: URL passwords, account keys and SAS signatures, and the
 * values of the settings' secret options (by declared type, else by name) never reach the terminal.
 */
final class CliErrors {
  static final String PREFIX = "elspeth: ";

  /** Causes followed at most (a cause chain can be cyclic or absurdly long). */
  private static final int MAX_CAUSES = 20;

  private CliErrors() {}

  /** Prints one failure; with {@code verbose}, its stack trace after it. */
  static void print(PrintWriter err, Throwable e, boolean verbose) {
    err.println(PREFIX + message(e));
    if (verbose) {
      printTrace(err, e);
    }
    err.flush();
  }

  /** Prints a reason the command found itself (no exception behind it). */
  static void print(PrintWriter err, String reason) {
    err.println(PREFIX + scrub(reason));
    err.flush();
  }

  /** Whether {@code --verbose} was given to this command line (before or after the command). */
  static boolean verbose(CommandSpec spec) {
    return ElspethCli.verbose(spec.root().commandLine().getParseResult());
  }

  /** The messages of {@code e} and its causes, outermost first, each said once. */
  static String message(Throwable e) {
    List<String> parts = new ArrayList<>();
    for (Throwable t : chain(e)) {
      String m = text(t);
      if (m == null || m.isBlank()) {
        continue;
      }
      Throwable cause = t.getCause();
      // new RuntimeException(cause) repeats cause.toString(): the cause will say it better.
      if (cause != null && (m.equals(cause.toString()) || m.equals(cause.getMessage()))) {
        continue;
      }
      if (parts.stream().noneMatch(p -> p.contains(m))) {
        parts.add(t instanceof SettingsException ? m : m.strip());
      }
    }
    if (parts.isEmpty()) {
      Throwable root = chain(e).get(chain(e).size() - 1);
      parts.add(root.getClass().getSimpleName());
    }
    return scrub(String.join(": ", parts));
  }

  /** What a failure says; the JDK's file errors name only the path, so say what happened to it. */
  private static @Nullable String text(Throwable t) {
    if (t instanceof NoSuchFileException f) {
      return "no such file or folder: " + f.getFile();
    }
    if (t instanceof AccessDeniedException f) {
      return "permission denied: " + f.getFile();
    }
    if (t instanceof NotDirectoryException f) {
      return "not a folder: " + f.getFile();
    }
    if (t instanceof FileAlreadyExistsException f) {
      return "already exists: " + f.getFile();
    }
    if (t instanceof CharacterCodingException) {
      return "not valid UTF-8 text";
    }
    return t.getMessage();
  }

  /** The chain of causes, without repeats. */
  private static List<Throwable> chain(Throwable e) {
    List<Throwable> chain = new ArrayList<>();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t) && chain.size() < MAX_CAUSES; t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  /** A stack trace whose messages are scrubbed like the one-line message. */
  private static void printTrace(PrintWriter err, Throwable e) {
    String prefix = "";
    for (Throwable t : chain(e)) {
      String m = t.getMessage();
      err.println(prefix + t.getClass().getName() + (m == null ? "" : ": " + scrub(m)));
      for (StackTraceElement frame : t.getStackTrace()) {
        err.println("\tat " + frame);
      }
      prefix = "Caused by: ";
    }
  }

  private static final ThreadLocal<List<String>> SECRETS = ThreadLocal.withInitial(List::of);

  /**
   * Remembers the values of the secret options of loaded settings, so a message that quotes one (a
   * parser echoing a connection string) prints {@code ***} instead.
   */
  static void secretsOf(@Nullable Object settings, Collection<? extends PluginDescriptor> plugins) {
    // The settings are scrubbed before they are validated, so before it is known which plugin
    // an option belongs to: names go by the types all the plugins declare (upsert_key, a
    // column, is printed), and by the name rule where no plugin declares them.
    SecretFingerprinter names = DeclaredSecrets.of(plugins, new SecretFingerprinter(null));
    List<String> values = new ArrayList<>();
    collect(settings, names, values);
    // Key Vault secrets are secrets whatever option they were substituted into.
    if (settings instanceof Map<?, ?> map) {
      @SuppressWarnings("unchecked")
      Map<String, Object> loaded = (Map<String, Object>) map;
      io.elspeth.pipelines.settings.SettingsSecrets.of(loaded).values().values().stream()
          .filter(v -> v.length() >= 4)
          .forEach(values::add);
    }
    SECRETS.set(List.copyOf(values));
  }

  static void forgetSecrets() {
    SECRETS.remove();
  }

  private static void collect(@Nullable Object value, SecretFingerprinter names, List<String> out) {
    if (value instanceof Map<?, ?> map) {
      map.forEach(
          (k, v) -> {
            if (names.isSecret(String.valueOf(k)) && v instanceof String s && s.length() >= 4) {
              out.add(s);
            } else {
              collect(v, names, out);
            }
          });
    } else if (value instanceof List<?> list) {
      list.forEach(v -> collect(v, names, out));
    }
  }

  static String scrub(String text) {
    String s = BlobFailure.scrub(LandscapeUrl.redact(text));
    for (String secret : SECRETS.get()) {
      s = s.replace(secret, "***");
    }
    return s;
  }
}
