package io.elspeth.pipelines.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The threshold_gate example through the CLI with a payload store: every source row is stored and
 * explained with its payload and an HTML page; the run is exported signed, verifies, and a one-byte
 * change makes verify fail naming the record. Export and verify run as separate processes so that
 * the signing key is set (or unset) in their real environment.
 */
@Tag("e2e")
class SignedExportEndToEndTest {
  private static final String KEY = "e2e-signing-key";

  @TempDir Path dir;

  private CliHarness.Result elspeth(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    return CliHarness.runInNewJvm(dir, env, args);
  }

  @Test
  void storesPayloadsExplainsExportsSignedVerifiesAndCatchesATamperedByte() throws Exception {
    Path payloads = dir.resolve("payloads");
    Path settings = CliHarness.example("threshold_gate", dir);
    Files.writeString(
        settings, Files.readString(settings) + "\npayload_store:\n  base_path: " + payloads + "\n");
    CliHarness.Result run = CliHarness.run("run", "-s", settings.toString(), "--execute");
    assertThat(run.err(), run.exitCode(), is(0));
    Path db = dir.resolve("landscape.db");

    try (Connection c = CliHarness.landscape(db)) {
      List<Map<String, Object>> rows =
          CliHarness.query(
              c, "SELECT source_data_hash, source_data_ref FROM rows ORDER BY row_index");
      assertThat(rows, hasSize(6));
      for (Map<String, Object> row : rows) {
        String ref = (String) row.get("source_data_ref");
        assertThat(ref, is(row.get("source_data_hash")));
        assertThat(
            Files.isRegularFile(payloads.resolve(ref.substring(0, 2)).resolve(ref)), is(true));
      }
    }

    Path html = dir.resolve("row1.html");
    CliHarness.Result explain =
        CliHarness.run(
            "explain",
            "--run",
            "latest",
            "--row",
            "1",
            "--database",
            db.toString(),
            "--payload-dir",
            payloads.toString(),
            "--html",
            html.toString());
    assertThat(explain.err(), explain.exitCode(), is(0));
    assertThat(explain.out(), containsString("source payload: available (ref "));
    String page = Files.readString(html);
    assertThat(page, containsString("class=\"node visited\""));
    assertThat(page, containsString("bob"));
    assertThat(page, containsString("row[&#39;amount&#39;] &gt; 1000 =&gt; true"));

    Path export = dir.resolve("export.jsonl");
    CliHarness.Result unsignedKey =
        elspeth(
            Map.of(),
            "export",
            "--run",
            "latest",
            "--database",
            db.toString(),
            "--output",
            export.toString(),
            "--sign");
    assertThat(unsignedKey.exitCode(), is(1));
    assertThat(unsignedKey.err(), containsString("ELSPETH_SIGNING_KEY is not set"));
    assertThat(Files.exists(export), is(false));

    CliHarness.Result exported =
        elspeth(
            Map.of("ELSPETH_SIGNING_KEY", KEY),
            "export",
            "--run",
            "latest",
            "--database",
            db.toString(),
            "--output",
            export.toString(),
            "--sign");
    assertThat(exported.err(), exported.exitCode(), is(0));
    assertThat(exported.err(), containsString("(signed, final hash "));
    List<String> lines = Files.readAllLines(export);
    assertThat(lines.get(lines.size() - 1), containsString("\"record_type\":\"manifest\""));
    assertThat(lines, everyItem(containsString("\"signature\":")));
    assertThat(String.join("\n", lines), not(containsString(KEY)));

    CliHarness.Result verified =
        elspeth(Map.of("ELSPETH_SIGNING_KEY", KEY), "verify", export.toString());
    assertThat(verified.err(), verified.exitCode(), is(0));
    assertThat(verified.out(), containsString("OK: "));

    CliHarness.Result noKey = elspeth(Map.of(), "verify", export.toString());
    assertThat(noKey.exitCode(), is(1));
    assertThat(noKey.err(), containsString("ELSPETH_SIGNING_KEY is not set"));

    int target = -1;
    for (int i = 0; i < lines.size() && target < 0; i++) {
      if (lines.get(i).contains("\"record_type\":\"row\"")) {
        target = i;
      }
    }
    byte[] bytes = Files.readAllBytes(export);
    int offset =
        String.join("\n", lines.subList(0, target)).length()
            + 1
            + lines.get(target).indexOf("\"row_index\":")
            + "\"row_index\":".length();
    bytes[offset] = (byte) (bytes[offset] == '0' ? '7' : '0');
    Files.write(export, bytes);
    assertThat(new String(bytes, StandardCharsets.UTF_8), not(String.join("\n", lines) + "\n"));

    CliHarness.Result tampered =
        elspeth(Map.of("ELSPETH_SIGNING_KEY", KEY), "verify", export.toString());
    assertThat(tampered.exitCode(), is(1));
    assertThat(tampered.err(), containsString("FAILED: "));
    assertThat(tampered.err(), containsString("line " + (target + 1) + " (row row_id="));
    assertThat(tampered.err(), containsString("was altered"));

    CliHarness.Result dryRun =
        CliHarness.run(
            "purge",
            "--retention-days",
            "1",
            "--database",
            db.toString(),
            "--payload-dir",
            payloads.toString());
    assertThat(dryRun.err(), dryRun.exitCode(), is(0));
    assertThat(dryRun.out(), containsString("dry run: would delete 0 payloads"));
  }
}
