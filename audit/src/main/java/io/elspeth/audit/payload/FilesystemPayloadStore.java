package io.elspeth.audit.payload;

import io.elspeth.audit.canonical.CanonicalJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The payload store on a local (or mounted) file system, laid out as ELSPETH's {@code
 * FilesystemPayloadStore}: {@code <base_path>/<first 2 hex>/<64 hex>}.
 *
 * <p>Writes are durable and atomic: the bytes go to a uniquely named temporary file in the target
 * folder, which is fsynced, renamed into place and the folder fsynced, so a reader sees either
 * nothing or the whole payload; a temporary file is removed on any failure. Content already present
 * is re-read and verified instead of rewritten. Reads re-hash the bytes and compare with the key in
 * constant time. A key must be 64 lowercase hex characters and resolve inside the base folder, so a
 * key can never name a file elsewhere.
 *
 * <p>Safe for concurrent use by threads and processes: two writers of one key write the same bytes,
 * and the rename replaces atomically.
 */
public final class FilesystemPayloadStore implements PayloadStore {
  private static final Pattern KEY = Pattern.compile("[a-f0-9]{64}");

  private final Path base;

  /** Payloads written by {@link #storeDeferred} whose durability {@link #syncDeferred} owes. */
  private final java.util.Set<Path> unsynced = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Temporary files are named by this store's random prefix and a counter. */
  private final String tempPrefix = randomHex();

  private final AtomicLong tempCounter = new AtomicLong();

  /**
   * Payload files are readable and writable by their owner only (they hold row data), as {@code
   * Files.createTempFile} made them; null where the file system has no POSIX permissions.
   */
  private static final @Nullable FileAttribute<?> OWNER_ONLY =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
          ? PosixFilePermissions.asFileAttribute(
              EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))
          : null;

  private FilesystemPayloadStore(Path base) {
    this.base = base.toAbsolutePath().normalize();
  }

  /** A store rooted at {@code basePath}; the folder is created on the first write. */
  public static FilesystemPayloadStore at(Path basePath) {
    return new FilesystemPayloadStore(basePath);
  }

  /** The absolute base folder. */
  public Path basePath() {
    return base;
  }

  @Override
  public String store(byte[] content) {
    return write(content, true);
  }

  /**
   * Stores like {@link #store} but leaves durability to {@link #syncDeferred}: a writer of many
   * payloads (a source storing every row) syncs once for all of them instead of twice per payload,
   * and must call {@code syncDeferred} before any record referring to them can commit.
   */
  public String storeDeferred(byte[] content) {
    return write(content, false);
  }

  /**
   * This store as a {@link PayloadStore} whose {@code store} is {@link #storeDeferred}: for a
   * writer handing the store to code that stores one payload at a time (audited clients storing
   * each call's request and response), which then owes one {@link #syncDeferred} before the records
   * referring to them can commit.
   */
  public PayloadStore deferring() {
    FilesystemPayloadStore store = this;
    return new PayloadStore() {
      @Override
      public String store(byte[] content) {
        return store.storeDeferred(content);
      }

      @Override
      public byte[] retrieve(String key) {
        return store.retrieve(key);
      }

      @Override
      public boolean exists(String key) {
        return store.exists(key);
      }

      @Override
      public boolean delete(String key) {
        return store.delete(key);
      }
    };
  }

  /**
   * Makes every payload written by {@link #storeDeferred} durable: one file-system sync of the
   * store's file system where the platform offers it ({@code sync -f}), else an fsync of each file
   * and folder.
   */
  public void syncDeferred() {
    if (unsynced.isEmpty()) {
      return;
    }
    List<Path> pending = new java.util.ArrayList<>(unsynced);
    if (!syncFileSystem()) {
      java.util.Set<Path> folders = new java.util.HashSet<>();
      for (Path file : pending) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
          ch.force(true);
          folders.add(file.getParent());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot sync payload " + file + ": " + e.getMessage(), e);
        }
      }
      for (Path folder : folders) {
        try {
          syncFolder(folder);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot sync " + folder + ": " + e.getMessage(), e);
        }
      }
    }
    pending.forEach(unsynced::remove);
  }

  /** syncfs(2) of the store's file system through coreutils; false where that is unavailable. */
  private boolean syncFileSystem() {
    try {
      Process p =
          new ProcessBuilder("sync", "-f", base.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private String write(byte[] content, boolean durable) {
    String key = CanonicalJson.sha256Hex(content);
    Path target = pathOf(key);
    if (Files.exists(target)) {
      retrieve(key);
      return key;
    }
    // pathOf(key) is a file in one of the store's folders.
    Path dir = Objects.requireNonNull(target.getParent(), "a payload's folder");
    Path temp = null;
    try {
      // A source stores a payload per row: the temporary file is created and opened by one
      // call, and its folder (one of 256) is created only when that call finds it missing, so a
      // payload costs a stat, an open, a write and a rename (it was nine system calls, a fifth
      // of a 200,000-row run's time).
      FileChannel opened = null;
      while (opened == null) {
        Path candidate =
            dir.resolve(
                "."
                    + key.substring(0, 8)
                    + "-"
                    + tempPrefix
                    + Long.toHexString(tempCounter.incrementAndGet())
                    + ".tmp");
        try {
          opened = createNew(candidate);
          temp = candidate;
        } catch (NoSuchFileException noFolder) {
          Files.createDirectories(dir);
        } catch (FileAlreadyExistsException taken) {
          // Another process's temporary file by chance: take the next name.
        }
      }
      try (FileChannel ch = opened) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          ch.write(buffer);
        }
        if (durable) {
          ch.force(true);
        }
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      temp = null;
      if (durable) {
        syncFolder(dir);
      } else {
        unsynced.add(target);
      }
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot store payload " + key + " in " + base + ": " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException cleanup) {
          // The write already failed; a stray temporary file is named so it is never a payload.
        }
      }
    }
  }

  private static FileChannel createNew(Path file) throws IOException {
    Set<StandardOpenOption> options =
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return OWNER_ONLY == null
        ? FileChannel.open(file, options)
        : FileChannel.open(file, options, OWNER_ONLY);
  }

  private static String randomHex() {
    byte[] b = new byte[8];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b) + "-";
  }

  /** Makes the rename itself durable. */
  private static void syncFolder(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms (Windows) cannot open a folder; there the rename is still atomic.
      if (!System.getProperty("os.name", "")
          .toLowerCase(java.util.Locale.ROOT)
          .startsWith("windows")) {
        throw e;
      }
    }
  }

  @Override
  public byte[] retrieve(String key) {
    Path path = pathOf(key);
    byte[] content;
    try {
      content = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new PayloadNotFoundException(key, base.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read payload " + key + " in " + base + ": " + e.getMessage(), e);
    }
    String actual = CanonicalJson.sha256Hex(content);
    if (!MessageDigest.isEqual(
        actual.getBytes(StandardCharsets.US_ASCII), key.getBytes(StandardCharsets.US_ASCII))) {
      throw new PayloadIntegrityException(
          "payload " + key + " in " + base + " is corrupt: its content hashes to " + actual);
    }
    return content;
  }

  @Override
  public boolean exists(String key) {
    return Files.isRegularFile(pathOf(key));
  }

  @Override
  public boolean delete(String key) {
    try {
      return Files.deleteIfExists(pathOf(key));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot delete payload " + key + " in " + base + ": " + e.getMessage(), e);
    }
  }

  /** The file of a key; refuses anything that is not a SHA-256 hex key inside the base. */
  Path pathOf(String key) {
    if (key == null || !KEY.matcher(key).matches()) {
      throw new IllegalArgumentException(
          "invalid payload key '" + key + "': expected 64 lowercase hex characters (a SHA-256)");
    }
    Path path = base.resolve(key.substring(0, 2)).resolve(key).normalize();
    if (!path.startsWith(base)) {
      throw new IllegalArgumentException("payload key " + key + " resolves outside " + base);
    }
    return path;
  }

  @Override
  public String toString() {
    return "FilesystemPayloadStore(" + base + ")";
  }
}
