package io.elspeth.audit.canonical;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target for canonical JSON (Jazzer). {@code mvn test} runs the committed seeds in {@code
 * CanonicalJsonFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes for {@code maxDuration}. Any text
 * either parses or fails with {@link CanonicalizationException}; a value either canonicalises or
 * fails with it; canonical text is a fixed point and its hash is stable.
 */
class CanonicalJsonFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void canonicalFormIsAFixedPointOrADocumentedError(byte[] data) {
    // Raw bytes (not a String parameter) so the seed files are plain JSON text.
    String text = new String(data, StandardCharsets.UTF_8);
    Object value;
    try {
      value = CanonicalJson.parse(text);
    } catch (CanonicalizationException e) {
      return;
    }
    String canonical;
    try {
      canonical = CanonicalJson.canonicalize(value);
    } catch (CanonicalizationException e) {
      // Documented: NaN/infinity, unsafe integers, ... are refused, and the tolerant forms hold.
      assertThat(CanonicalJson.tolerantHash(value).length(), is(64));
      CanonicalJson.tolerantJson(value);
      return;
    }
    assertThat(CanonicalJson.canonicalize(CanonicalJson.parse(canonical)), is(canonical));
    assertThat(
        CanonicalJson.stableHash(CanonicalJson.parse(canonical)),
        is(CanonicalJson.stableHash(value)));
  }
}
