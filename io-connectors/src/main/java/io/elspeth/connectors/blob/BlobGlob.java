package io.elspeth.connectors.blob;

import java.util.regex.Pattern;

/**
 * A blob path that may name many blobs: {@code *} matches within one path segment, {@code **}
 * across segments, {@code ?} one character. A path without these names exactly one blob.
 */
public record BlobGlob(String pattern) {
  /** Whether the path names many blobs. */
  public boolean isGlob() {
    return pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0;
  }

  /** The literal part before the first wildcard: the listing prefix. */
  String prefix() {
    int i = 0;
    while (i < pattern.length() && pattern.charAt(i) != '*' && pattern.charAt(i) != '?') {
      i++;
    }
    return pattern.substring(0, i);
  }

  public boolean matches(String blobName) {
    return regex().matcher(blobName).matches();
  }

  private Pattern regex() {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '*' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
