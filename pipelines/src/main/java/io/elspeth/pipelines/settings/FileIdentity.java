package io.elspeth.pipelines.settings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Which file a configured path names: relative to the working directory, {@code .} and {@code ..}
 * applied, every symbolic link on the way followed (also where the file itself does not exist yet,
 * so a sink under a linked folder is seen for what it is), and, for a file that exists, its file
 * key (so two hard links to one file are one file).
 *
 * @param path the path with every link resolved
 * @param fileKey the file system's identity of an existing file, or null
 */
public record FileIdentity(Path path, @Nullable Object fileKey) {
  /** Linux's own limit on links followed for one path; past it the OS would fail the open. */
  private static final int MAX_LINKS = 40;

  /** The file a path names, or empty when it is not a path on this system at all. */
  public static Optional<FileIdentity> of(String raw) {
    Path p;
    try {
      p = Path.of(raw);
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
    Path resolved = resolve(p.toAbsolutePath());
    Object key = null;
    try {
      key = Files.readAttributes(resolved, BasicFileAttributes.class).fileKey();
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      // Not there yet (or not readable): the resolved path alone names it.
    }
    return Optional.of(new FileIdentity(resolved, key));
  }

  /** Whether both name one file. */
  public boolean sameFileAs(FileIdentity other) {
    return path.equals(other.path) || fileKey != null && fileKey.equals(other.fileKey);
  }

  /** Whether this file is {@code folder} or lies anywhere under it. */
  boolean isWithin(FileIdentity folder) {
    return path.startsWith(folder.path) || sameFileAs(folder);
  }

  /** This path with a suffix on its file name (a SQLite database's journal files). */
  public FileIdentity sibling(String suffix) {
    if (path.getFileName() == null) {
      return this; // the root has no siblings
    }
    Path s = path.resolveSibling(path.getFileName() + suffix);
    return of(s.toString()).orElse(new FileIdentity(s, null));
  }

  @Override
  public String toString() {
    return path.toString();
  }

  /**
   * Walks the path name by name from its root, replacing each symbolic link by its target, so
   * {@code ..} after a link goes up from where the link points, as the OS does.
   */
  private static Path resolve(Path absolute) {
    Deque<String> names = new ArrayDeque<>();
    absolute.forEach(n -> names.addLast(n.toString()));
    Path current = absolute.getRoot();
    int links = 0;
    while (!names.isEmpty()) {
      String name = names.removeFirst();
      if (name.isEmpty() || name.equals(".")) {
        continue;
      }
      if (name.equals("..")) {
        Path up = current.getParent();
        current = up == null ? current : up;
        continue;
      }
      Path next = current.resolve(name);
      if (links < MAX_LINKS && Files.isSymbolicLink(next)) {
        Path target;
        try {
          target = Files.readSymbolicLink(next);
        } catch (IOException | SecurityException e) {
          current = next;
          continue;
        }
        links++;
        Deque<String> front = new ArrayDeque<>();
        target.forEach(n -> front.addLast(n.toString()));
        while (!front.isEmpty()) {
          names.addFirst(front.removeLast());
        }
        if (target.isAbsolute()) {
          current = target.getRoot();
        }
        continue;
      }
      current = next;
    }
    return realIfExists(current);
  }

  /** The OS's own answer where the file exists (it also knows mount quirks); ours otherwise. */
  private static Path realIfExists(Path p) {
    try {
      return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? p.toRealPath() : p;
    } catch (IOException | SecurityException e) {
      return p;
    }
  }
}
