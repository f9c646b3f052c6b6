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
 * Sorted runs of a sink's tokens spilled to local files, so that a sink writes its output in
 * source order without holding its tokens: each run is a file of tokens in source order
 * (length-prefixed {@link TokenCoder} bytes), and {@link #merge} streams the runs merged.
 * A run file is scratch: it is not fsynced, and it is deleted once the sink's audit records
 * are emitted from it.
 */
final class RunFiles {
  private RunFiles() {}

  /** One run: its file and how many tokens it holds. */
  record Run(String path, long count) implements Serializable {}

  /** Coder of {@link Run}. */
  static final class RunCoder extends AtomicCoder<Run> {
    private static final RunCoder INSTANCE = new RunCoder();

    static RunCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(Run value, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(value.path(), out);
      VarLongCoder.of().encode(value.count(), out);
    }

    @Override
    public Run decode(InputStream in) throws IOException {
      return new Run(StringUtf8Coder.of().decode(in), VarLongCoder.of().decode(in));
    }
  }

  /** Sorts {@code tokens} into source order and writes them as a new run file in {@code dir}. */
  static Run write(Path dir, List<Token> tokens) throws IOException {
    tokens.sort(Token::compareBySourceOrder);
    Files.createDirectories(dir);
    Path file = Files.createTempFile(dir, "run-", ".tokens");
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
        Channels.newOutputStream(FileChannel.open(file, StandardOpenOption.WRITE)), 1 << 16))) {
      for (Token t : tokens) {
        byte[] bytes = CoderUtils.encodeToByteArray(TokenCoder.of(), t);
        out.writeInt(bytes.length);
        out.write(bytes);
      }
    }
    return new Run(file.toString(), tokens.size());
  }

  /**
   * Spills {@code tokens} (a runner's group, possibly larger than memory) as sorted runs of at
   * most {@code runTokens} tokens each in {@code dir}.
   */
  static List<Run> spill(Path dir, Iterable<Token> tokens, int runTokens) throws IOException {
    List<Run> runs = new ArrayList<>();
    List<Token> buffer = new ArrayList<>();
    for (Token t : tokens) {
      buffer.add(t);
      if (buffer.size() >= runTokens) {
        runs.add(write(dir, buffer));
        buffer = new ArrayList<>();
      }
    }
    if (!buffer.isEmpty()) {
      runs.add(write(dir, buffer));
    }
    return runs;
  }

  /** The rows of {@code tokens}, as a writer takes them; iterable as often as the tokens are. */
  static Iterable<java.util.Map<String, Object>> rows(Iterable<Token> tokens) {
    return () -> new Iterator<>() {
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
   * Writes {@code tokens}, in their order, as a durable file in the run-file format (fsynced): a
   * sink's manifest of the tokens it publishes, read again by a resume's repair.
   */
  static long writeDurable(Path file, Iterable<Token> tokens) throws IOException {
    long count = 0;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
          Channels.newOutputStream(channel), 1 << 16));
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

  /** Reads the tokens of a run file from a byte offset that starts a token. */
  static final class Reader implements Closeable {
    private final DataInputStream in;
    private long offset;

    Reader(String path, long offset) throws IOException {
      FileChannel channel = FileChannel.open(Path.of(path), StandardOpenOption.READ);
      channel.position(offset);
      this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel),
          1 << 14));
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
   * The tokens of {@code runs} merged into source order. Each iteration reads the files again,
   * holding one token per run; an iterator closes its files when it is exhausted.
   */
  static Iterable<Token> merge(List<Run> runs) {
    return () -> new Merge(runs);
  }

  private static final class Merge implements Iterator<Token> {
    private record Head(Token token, Reader reader) {}

    private final PriorityQueue<Head> heads =
        new PriorityQueue<>((a, b) -> Token.compareBySourceOrder(a.token(), b.token()));

    Merge(List<Run> runs) {
      List<Reader> opened = new ArrayList<>();
      try {
        for (Run run : runs) {
          Reader reader = new Reader(run.path(), 0);
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

  /** Deletes a run file, and its directory once empty; scratch, so failures are ignored. */
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
