package io.elspeth.connectors.sink;

import io.elspeth.audit.crash.CrashPoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes a file so that it is either absent or whole: content goes to a temporary file in the same
 * directory, is fsynced, and is renamed over the target in one step.
 */
final class DurableFile {
  private DurableFile() {}

  /** Body of a durable write. */
  interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Writes {@code path} atomically and returns its artifact (SHA-256 and size of the file). */
  static SinkWriter.Artifact write(Path path, Body body) throws IOException {
    return write(path, body, null);
  }

  /**
   * Writes {@code path} atomically; with a publisher, the staged file is durable and described to
   * it (with the target as it is now) before the rename, and the rename happens only if the
   * publisher returns.
   */
  static SinkWriter.Artifact write(Path path, Body body, SinkWriter.@Nullable Publisher publisher)
      throws IOException {
    Path target = path.toAbsolutePath();
    Path dir = parentOf(target);
    Files.createDirectories(dir);
    Path temp = createStaged(dir, target);
    SinkWriter.Artifact published;
    try {
      try (FileChannel channel =
          FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        OutputStream out = Channels.newOutputStream(channel);
        body.writeTo(out);
        out.flush();
        channel.force(true);
      }
      SinkWriter.Artifact staged = artifactOf(temp);
      published =
          new SinkWriter.Artifact(
              staged.artifactType(), target.toString(), staged.contentHash(), staged.sizeBytes());
      if (publisher != null) {
        CrashPoint.reached("sink.staged");
        publisher.beforePublish(
            new SinkWriter.Staging(
                target.toString(),
                temp.toString(),
                Files.exists(target) ? artifactOf(target) : null,
                published));
      }
      publish(temp, target);
      CrashPoint.reached("sink.published");
    } finally {
      Files.deleteIfExists(temp);
    }
    return published;
  }

  /** The suffix of a staged file beside its target: {@code .<target name><random>.tmp}. */
  static final String STAGED_SUFFIX = ".tmp";

  /**
   * A new empty staged file. Not {@code Files.createTempFile}, which makes it owner-only (600): a
   * sink's output is a file for others to read, so it follows the umask like other tools'.
   */
  private static Path createStaged(Path dir, Path target) throws IOException {
    while (true) {
      Path p =
          dir.resolve(
              "."
                  + target.getFileName()
                  + Long.toUnsignedString(ThreadLocalRandom.current().nextLong())
                  + STAGED_SUFFIX);
      try {
        return Files.createFile(p);
      } catch (FileAlreadyExistsException e) {
        // Another writer drew the same name: draw again.
      }
    }
  }

  /** Renames a durable staged file over its target in one step and makes the rename durable. */
  static void publish(Path staged, Path target) throws IOException {
    try {
      Files.move(
          staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING);
    }
    syncDirectory(parentOf(target));
  }

  private static Path parentOf(Path file) {
    return Objects.requireNonNull(
        file.getParent(), () -> "'" + file + "' is not a file in a directory");
  }

  /** Makes a directory's entries durable (a rename survives a power cut), where the OS allows. */
  static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some platforms cannot open a directory; the rename is still atomic there.
    }
  }

  static SinkWriter.Artifact artifactOf(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
    try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return new SinkWriter.Artifact(
        "file", file.toString(), HexFormat.of().formatHex(digest.digest()), Files.size(file));
  }
}
