package io.elspeth.connectors.sink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFileTest {
  @TempDir Path dir;

  /** A sink output is readable as any new file of the user's is (umask), not owner-only. */
  @Test
  void theWrittenFileHasThePermissionsTheUmaskGivesANewFile() throws Exception {
    Path reference = Files.createFile(dir.resolve("reference"));
    Path out = dir.resolve("out.csv");
    DurableFile.write(out, o -> o.write("a\n".getBytes(StandardCharsets.UTF_8)));
    assertThat(Files.getPosixFilePermissions(out), is(Files.getPosixFilePermissions(reference)));
    assertThat(Files.readString(out), is("a\n"));
  }
}
