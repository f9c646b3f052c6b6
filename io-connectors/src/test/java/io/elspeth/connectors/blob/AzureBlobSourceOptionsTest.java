package io.elspeth.connectors.blob;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.connectors.source.CsvRecordReader;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The source's options as a Beam user sets them: checked at each call, copied, never changed. */
class AzureBlobSourceOptionsTest {
  private static String refused(Executable call) {
    return assertThrows(IllegalArgumentException.class, call).getMessage();
  }

  @Test
  void eachWitherRefusesAMissingOrMeaninglessArgumentNamingItself() {
    AzureBlobSource source = AzureBlobSource.read();
    assertThat(refused(() -> source.withAuth(null)), containsString("withAuth()"));
    assertThat(refused(() -> source.withContainer("")), containsString("withContainer()"));
    assertThat(refused(() -> source.withBlobPath(null)), containsString("withBlobPath()"));
    assertThat(refused(() -> source.withReader(null)), containsString("withReader()"));
    assertThat(refused(() -> source.withSchema(null)), containsString("withSchema()"));
    assertThat(refused(() -> source.withContext(null)), containsString("withContext()"));
    assertThat(
        refused(() -> source.withOnValidationFailure(" ")),
        containsString("withOnValidationFailure()"));
    assertThat(refused(() -> source.withBlockSize(0)), containsString("withBlockSize()"));
  }

  @Test
  void aWitherReturnsAChangedCopyAndLeavesTheOriginalAsItWas() {
    AzureBlobSource base =
        AzureBlobSource.read()
            .withContainer("in")
            .withReader(new CsvRecordReader(',', "utf-8", 0, List.of(), false, Map.of()));
    AzureBlobSource other =
        base.withContainer("elsewhere")
            .withBlobPath("data/*.csv")
            .withOnValidationFailure("quarantine");
    String before = DisplayData.from(base).toString();
    String after = DisplayData.from(other).toString();
    assertThat(before, not(containsString("elsewhere")));
    assertThat(before, not(containsString("quarantine")));
    assertThat(after, containsString("elsewhere"));
    assertThat(after, containsString("data/*.csv"));
    assertThat(after, containsString("quarantine"));
    IllegalStateException missing =
        assertThrows(
            IllegalStateException.class,
            () ->
                other.expand(
                    org.apache.beam.sdk.values.PBegin.in(org.apache.beam.sdk.Pipeline.create())));
    assertThat(missing.getMessage(), is("withAuth() is required"));
  }
}
