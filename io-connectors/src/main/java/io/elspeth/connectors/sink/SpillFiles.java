package io.elspeth.connectors.sink;

import io.elspeth.audit.token.Token;
import io.elspeth.audit.token.TokenCoder;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A sink's tokens spilled to local files in sorted parts, so that a sink writes its output in
 * source order without holding its tokens: each spill file holds tokens in source order
 * (length-prefixed {@link TokenCoder} bytes), and {@link #merge} streams the files merged. A spill
 * file is scratch: it is not fsynced, and it is deleted once the sink's audit records are emitted
 * from it.
 */
final class SpillFiles {
  private SpillFiles() {}

  /** One spill file: its path and how many tokens it holds. */
  record SpillFile(String path, long count) implements Serializable {}

  /** Coder of {@link SpillFile}. */
  static final class SpillFileCoder extends AtomicCoder<SpillFile> {
    private static final SpillFileCoder INSTANCE = new SpillFileCoder();

    static SpillFileCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(SpillFile value, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(value.path(), out);
      VarLongCoder.of().encode(value.count(), out);
    }

    @Override
    public SpillFile decode(InputStream in) throws IOException {
      return new SpillFile(StringUtf8Coder.of().decode(in), VarLongCoder.of().decode(in));
    }
  }

  /** Sorts {@code tokens} into source order and writes them as a new spill file in {@code dir}. */
  static SpillFile write(Path dir, List<Token> tokens) throws IOException {
    tokens.sort(Token::compareBySourceOrder);
    Files.createDirectories(dir);
    Path file = Files.createTempFile(dir, "spill-", ".tokens");
    try (DataOutputStream out =
        new DataOutputStream(
            new BufferedOutputStream(
                Channels.newOutputStream(FileChannel.open(file, StandardOpenOption.WRITE)),
                1 << 16))) {
      for (Token t : tokens) {
        byte[] bytes = CoderUtils.encodeToByteArray(TokenCoder.of(), t);
        out.writeInt(bytes.length);
        out.write(bytes);
      }
    }
    return new SpillFile(file.toString(), tokens.size());
  }

  /**
   * Spills {@code tokens} (a runner's group, possibly larger than memory) as sorted spill files of
   * at most {@code spillFileTokens} tokens each in {@code dir}.
   */
  static List<SpillFile> spill(Path dir, Iterable<Token> tokens, int spillFileTokens)
      throws IOException {
    List<SpillFile> files = new ArrayList<>();
    List<Token> buffer = new ArrayList<>();
    for (Token t : tokens) {
      buffer.add(t);
      if (buffer.size() >= spillFileTokens) {
        files.add(write(dir, buffer));
        buffer = new ArrayList<>();
      }
    }
    if (!buffer.isEmpty()) {
      files.add(write(dir, buffer));
    }
    return files;
  }

  /** The rows of {@code tokens}, as a writer takes them; iterable as often as the tokens are. */
  static Iterable<java.util.Map<String, Object>> rows(Iterable<Token> tokens) {
    return () ->
        new Iterator<>() {
          private final Iterator<Token> it = tokens.iterator();

          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public java.util.Map<String, Object> next() {
            return it.next().data();
          }
        };
  }

  /**
   * Writes {@code tokens}, in their order, as a durable file in the spill-file format (fsynced): a
   * sink's manifest of the tokens it publishes, read again by a resume's repair.
   */
  static long writeDurable(Path file, Iterable<Token> tokens) throws IOException {
    long count = 0;
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      DataOutputStream out =
          new DataOutputStream(
              new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
      for (Token t : tokens) {
        byte[] bytes = CoderUtils.encodeToByteArray(TokenCoder.of(), t);
        out.writeInt(bytes.length);
        out.write(bytes);
        count++;
      }
      out.flush();
      channel.force(true);
    }
    return count;
  }

  /** Reads the tokens of a spill file from a byte offset that starts a token. */
  static final class Reader implements Closeable {
    private final DataInputStream in;
    private long offset;

    Reader(String path, long offset) throws IOException {
      FileChannel channel = FileChannel.open(Path.of(path), StandardOpenOption.READ);
      channel.position(offset);
      this.in =
          new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 1 << 14));
      this.offset = offset;
    }

    /** The byte offset of the next token. */
    long offset() {
      return offset;
    }

    /** The next token, or null at the end of the file. */
    @Nullable Token next() throws IOException {
      int length;
      try {
        length = in.readInt();
      } catch (EOFException e) {
        return null;
      }
      byte[] bytes = new byte[length];
      in.readFully(bytes);
      offset += 4 + length;
      return CoderUtils.decodeFromByteArray(TokenCoder.of(), bytes);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /**
   * The tokens of {@code files} merged into source order. Each iteration reads the files again,
   * holding one token per file; an iterator closes its files when it is exhausted.
   */
  static Iterable<Token> merge(List<SpillFile> files) {
    return () -> new Merge(files);
  }

  private static final class Merge implements Iterator<Token> {
    private record Head(Token token, Reader reader) {}

    private final PriorityQueue<Head> heads =
        new PriorityQueue<>((a, b) -> Token.compareBySourceOrder(a.token(), b.token()));

    Merge(List<SpillFile> files) {
      List<Reader> opened = new ArrayList<>();
      try {
        for (SpillFile file : files) {
          Reader reader = new Reader(file.path(), 0);
          opened.add(reader);
          advance(reader);
        }
      } catch (IOException e) {
        for (Reader r : opened) {
          closeQuietly(r);
        }
        throw new UncheckedIOException(e);
      }
    }

    private void advance(Reader reader) throws IOException {
      Token next = reader.next();
      if (next == null) {
        reader.close();
      } else {
        heads.add(new Head(next, reader));
      }
    }

    @Override
    public boolean hasNext() {
      return !heads.isEmpty();
    }

    @Override
    public Token next() {
      Head head = heads.poll();
      if (head == null) {
        throw new NoSuchElementException();
      }
      try {
        advance(head.reader());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return head.token();
    }
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Scratch files: a failed close loses nothing.
    }
  }

  /** Deletes a spill file, and its directory once empty; scratch, so failures are ignored. */
  static void delete(String path) {
    try {
      Path file = Path.of(path);
      Files.deleteIfExists(file);
      Path dir = file.getParent();
      try (var entries = Files.list(dir)) {
        if (entries.findAny().isEmpty()) {
          Files.deleteIfExists(dir);
        }
      }
    } catch (IOException ignored) {
      // A leftover scratch file is harmless; the spill directory is the system's temp space.
    }
  }
}
