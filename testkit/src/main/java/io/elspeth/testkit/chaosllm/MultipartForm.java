package io.elspeth.testkit.chaosllm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads a {@code multipart/form-data} request body (the Files API upload): its boundary from the
 * content type, then its parts with their names, file names and bytes. Binary-safe: a file part may
 * hold any bytes.
 */
final class MultipartForm {
  private MultipartForm() {}

  /** One part: the {@code name} and {@code filename} of its Content-Disposition, and its bytes. */
  record Part(@Nullable String name, @Nullable String filename, byte[] content) {}

  /** The boundary of a multipart/form-data content type, or null when it is not one. */
  static @Nullable String boundary(String contentType) {
    if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
      return null;
    }
    for (String piece : contentType.split(";")) {
      String t = piece.strip();
      if (t.startsWith("boundary=")) {
        String v = t.substring("boundary=".length());
        return v.startsWith("\"") ? v.substring(1, v.length() - 1) : v;
      }
    }
    return null;
  }

  /** Splits a multipart body; binary-safe (the file part may hold any bytes). */
  static List<Part> parts(byte[] body, String boundary) {
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    List<Part> out = new ArrayList<>();
    int pos = indexOf(body, delimiter, 0);
    while (pos >= 0) {
      int start = pos + delimiter.length;
      if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
        break;
      }
      start += 2; // CRLF after the delimiter
      int next = indexOf(body, delimiter, start);
      if (next < 0) {
        break;
      }
      int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
      if (headersEnd < 0 || headersEnd > next) {
        break;
      }
      String headers = new String(body, start, headersEnd - start, StandardCharsets.UTF_8);
      int contentStart = headersEnd + 4;
      int contentEnd = next - 2; // CRLF before the next delimiter
      byte[] content =
          java.util.Arrays.copyOfRange(body, contentStart, Math.max(contentStart, contentEnd));
      out.add(new Part(attribute(headers, "name"), attribute(headers, "filename"), content));
      pos = next;
    }
    return out;
  }

  private static @Nullable String attribute(String headers, String name) {
    Matcher m = Pattern.compile("[; ]" + name + "=\"([^\"]*)\"").matcher(headers);
    return m.find() ? m.group(1) : null;
  }

  private static int indexOf(byte[] data, byte[] pattern, int from) {
    outer:
    for (int i = Math.max(0, from); i <= data.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
