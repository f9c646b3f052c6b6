package io.elspeth.connectors.source;

import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;

/** A matched file as the input of a {@link RecordReader}, opened at any offset. */
final class FileInput {
  private FileInput() {}

  /**
   * Whether the file is opened at an offset by seeking (not compressed, seekable): only then is a
   * read in parts worth its first pass.
   */
  static boolean seekable(FileIO.ReadableFile file) {
    return file.getCompression() == Compression.UNCOMPRESSED
        && file.getMetadata().isReadSeekEfficient();
  }

  static RecordReader.Input of(FileIO.ReadableFile file) {
    return offset -> {
      if (offset == 0) {
        return Channels.newInputStream(file.open());
      }
      if (seekable(file)) {
        SeekableByteChannel channel = file.openSeekable();
        channel.position(offset);
        return Channels.newInputStream(channel);
      }
      // Offsets count decompressed bytes: a compressed file is read again up to the offset.
      InputStream in = Channels.newInputStream(file.open());
      in.skipNBytes(offset);
      return in;
    };
  }
}
