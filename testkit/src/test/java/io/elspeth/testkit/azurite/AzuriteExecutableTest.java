package io.elspeth.testkit.azurite;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AzuriteExecutableTest {
  @TempDir Path dir;

  @Test
  void anExecutableNamedByAzuriteBinIsTakenWithoutInstalling() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path exe = Files.writeString(bin.resolve("azurite-blob"), "#!/bin/sh\n");
    exe.toFile().setExecutable(true);
    Path cache = dir.resolve("cache");
    assertThat(AzuriteExecutable.findOrInstall(cache, bin.toString(), List.of()), is(exe));
    assertThat("nothing installed", Files.exists(cache), is(false));
  }

  @Test
  void withoutAzuriteAndWithoutNpmTheErrorSaysWhatToInstall() throws Exception {
    Path emptyPath = Files.createDirectories(dir.resolve("empty"));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                AzuriteExecutable.findOrInstall(
                    dir.resolve("cache"), null, List.of(emptyPath.toString())));
    assertThat(e.getMessage(), containsString("npm is not on the PATH"));
    assertThat(e.getMessage(), containsString("AZURITE_BIN"));
  }

  /** A real npm install from the registry; two JVM threads at once install it once. */
  @Tag("e2e")
  @Test
  void parallelCallersInstallAzuriteOnceWithNpmAndBothGetIt() throws Exception {
    Path cache = dir.resolve("cache");
    List<String> path = List.of(System.getenv("PATH").split(java.io.File.pathSeparator));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Path>> calls = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        calls.add(pool.submit(() -> AzuriteExecutable.findOrInstall(cache, null, path)));
      }
      Path expected = cache.resolve("node_modules/.bin/azurite-blob");
      for (Future<Path> f : calls) {
        assertThat(f.get(), is(expected));
      }
      assertThat(Files.isExecutable(expected), is(true));
    } finally {
      pool.shutdownNow();
    }
  }
}
