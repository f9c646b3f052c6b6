package io.elspeth.pipelines.cli;

import io.elspeth.audit.export.ExportVerifier;
import io.elspeth.audit.export.SigningKey;
import java.io.BufferedReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code elspeth verify FILE}: checks a signed export with {@code ELSPETH_SIGNING_KEY}. Exit 0 when
 * every record's signature, the sequence and the manifest's hash chain match; exit 1 naming the
 * first altered, missing or reordered record otherwise.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = "Verify a signed export (key: the environment variable " + SigningKey.ENV + ").")
final class VerifyCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = "The export to verify.")
  Path file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    SigningKey key = SigningKey.fromEnvironment(System.getenv());
    if (!Files.isRegularFile(file)) {
      CliErrors.print(spec.commandLine().getErr(), "no export file at " + file);
      return 1;
    }
    ExportVerifier.Verification v;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      v = ExportVerifier.verify(in, key);
    } catch (CharacterCodingException e) {
      spec.commandLine()
          .getErr()
          .println("FAILED: " + file + ": not UTF-8 text, so not an" + " export");
      return 1;
    }
    if (v.valid()) {
      spec.commandLine().getOut().println("OK: " + file + ": " + v.message());
      return 0;
    }
    spec.commandLine().getErr().println("FAILED: " + file + ": " + v.message());
    return 1;
  }
}
