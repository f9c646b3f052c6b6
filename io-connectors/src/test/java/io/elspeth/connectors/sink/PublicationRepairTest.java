package io.elspeth.connectors.sink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import io.elspeth.audit.canonical.CanonicalJson;
import io.elspeth.audit.publication.SinkPublication;
import io.elspeth.audit.publication.SinkPublications;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeUrl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublicationRepairTest {
  @TempDir Path dir;

  /**
   * A sink task Flink restarted replaced the file its killed attempt had published, and the run
   * died before settling either publication: the older one is superseded (its rows are the
   * restarted attempt's now), not mistaken for a file changed outside elspeth.
   */
  @Test
  void aPublicationReplacedByARestartedAttemptOfItsRunIsSuperseded() throws Exception {
    Path target = dir.resolve("out.csv").toAbsolutePath();
    // The killed attempt's output, then the restarted attempt's, which is in place now.
    String lost = CanonicalJson.sha256Hex("id,v\n0,a\n1,b\n".getBytes(StandardCharsets.UTF_8));
    Files.writeString(target, "id,v\n0,c\n1,d\n");
    String replaced = CanonicalJson.sha256Hex(Files.readAllBytes(target));
    LandscapeUrl url = LandscapeUrl.parse("sqlite:///" + dir.resolve("audit.db"));
    try (LandscapeStore store = LandscapeStore.open(url)) {
      SinkPublications.record(store, publication("killed", null, lost, 1000));
      SinkPublications.record(store, publication("restarted", lost, replaced, 2000));
      PublicationRepair.Report report = PublicationRepair.repairRun(store, "run-1", Map.of());
      assertThat(report.publications(), is(2));
      assertThat(
          resolutions(store), equalTo(Map.of("killed", "superseded", "restarted", "published")));
    }
  }

  private SinkPublication publication(String id, String base, String output, long at) {
    return new SinkPublication(
        id,
        "run-1",
        "sink-node",
        "out",
        3,
        "file",
        dir.resolve("out.csv").toAbsolutePath().toString(),
        dir.resolve(".out.csv" + at + ".tmp").toString(),
        null,
        0,
        base == null ? null : 8L,
        base,
        8,
        output,
        at,
        null);
  }

  private static Map<String, String> resolutions(LandscapeStore store) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    try (Connection c = store.connection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT publication_id, resolution" + " FROM elspeth_sink_publications")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
    }
    return out;
  }
}
