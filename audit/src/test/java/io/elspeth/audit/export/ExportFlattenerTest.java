package io.elspeth.audit.export;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.elspeth.audit.lineage.AuditIntegrityException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExportFlattenerTest {
  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void nestedMapsFlattenWithDotsAndListsBecomePythonJson() {
    Map<String, Object> flat =
        ExportFlattener.flatten(
            map(
                "record_type",
                "run",
                "settings",
                map("source", map("plugin", "csv"), "fields", List.of("id: int", "é", 1.5))));
    assertThat(flat.get("settings.source.plugin"), is("csv"));
    assertThat(flat.get("settings.fields"), is("[\"id: int\", \"\\u00e9\", 1.5]"));
  }

  @Test
  void groupsByRecordTypeInExportOrderWithTheSortedUnionOfKeys() throws Exception {
    try (CsvExportGroups groups =
        CsvExportGroups.of(
            List.of(
                    map("record_type", "run", "run_id", "r"),
                    map("record_type", "node", "node_id", "a"),
                    map("record_type", "node", "node_id", "b", "config", map("x", 1L, "y", 2.0)))
                .iterator())) {
      assertThat(groups.types(), contains("run", "node"));
      assertThat(groups.count("node"), is(2L));
      List<Map<String, Object>> nodes = new java.util.ArrayList<>();
      groups.rows("node").forEach(nodes::add);
      assertThat(nodes.get(0).keySet(), contains("config.x", "config.y", "node_id", "record_type"));
      assertThat(nodes.get(0).get("config.x"), is((Object) null));
      // Values keep their Java types through the spill: 2.0 stays a Double.
      assertThat(nodes.get(1).get("config.x"), is((Object) 1L));
      assertThat(nodes.get(1).get("config.y"), is((Object) 2.0));
      // A group reads again from its start.
      List<Map<String, Object>> again = new java.util.ArrayList<>();
      groups.rows("node").forEach(again::add);
      assertThat(again, is(nodes));
    }
  }

  @Test
  void theSpillFolderIsGoneOnceClosed() throws Exception {
    CsvExportGroups groups =
        CsvExportGroups.of(List.of(map("record_type", "run", "run_id", "r")).iterator());
    java.nio.file.Path folder = groups.folder();
    assertThat(java.nio.file.Files.isDirectory(folder), is(true));
    groups.close();
    assertThat(java.nio.file.Files.exists(folder), is(false));
  }

  @Test
  void aKeyCollisionOrANonFiniteNumberFailsTheExport() {
    AuditIntegrityException collision =
        assertThrows(
            AuditIntegrityException.class,
            () -> ExportFlattener.flatten(map("a", map("b", 1L), "a.b", 2L)));
    assertThat(collision.getMessage(), containsString("'a.b' occurs twice"));
    assertThrows(
        AuditIntegrityException.class,
        () -> ExportFlattener.flatten(map("x", List.of(Double.NaN))));
    assertThrows(
        AuditIntegrityException.class,
        () -> ExportFlattener.flatten(map("x", Double.POSITIVE_INFINITY)));
  }
}
