package io.elspeth.connectors.blob;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import io.elspeth.audit.record.AuditRecord;
import io.elspeth.audit.record.CallRecord;
import io.elspeth.audit.record.OperationRecord;
import io.elspeth.audit.store.LandscapeStore;
import io.elspeth.audit.store.LandscapeStores;
import io.elspeth.audit.store.LandscapeUrl;
import io.elspeth.plugin.OptionsValidator;
import io.elspeth.plugin.PluginDescriptor;
import io.elspeth.plugin.PluginOptions;
import io.elspeth.testkit.azurite.Azurite;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.StreamSupport;

/** Azurite and Landscape helpers shared by the blob tests. */
final class BlobFixture {
  private BlobFixture() {}

  static BlobServiceClient service(Azurite azurite) {
    return new BlobServiceClientBuilder()
        .connectionString(azurite.connectionString())
        .buildClient();
  }

  /** A new container with a unique name. */
  static BlobContainerClient container(Azurite azurite) {
    BlobContainerClient c =
        service(azurite)
            .getBlobContainerClient(
                "c" + UUID.randomUUID().toString().replace("-", "").substring(0, 20));
    c.create();
    return c;
  }

  static void upload(BlobContainerClient c, String name, String text) {
    c.getBlobClient(name).upload(BinaryData.fromString(text), true);
  }

  static String download(BlobContainerClient c, String name) {
    return c.getBlobClient(name).downloadContent().toString();
  }

  /** A container SAS (read, list, write, create) valid for an hour. */
  static String sas(BlobContainerClient c) {
    return c.generateSas(
        new BlobServiceSasSignatureValues(
            OffsetDateTime.now().plusHours(1),
            new BlobContainerSasPermission()
                .setReadPermission(true)
                .setListPermission(true)
                .setWritePermission(true)
                .setCreatePermission(true)));
  }

  /** Plugin options validated the way the settings validator does it. */
  static PluginOptions options(PluginDescriptor plugin, Map<String, Object> raw) {
    OptionsValidator.Result r =
        OptionsValidator.validate(raw, plugin.options(), "options", Set.of("quarantine"));
    if (!r.problems().isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", r.problems()));
    }
    List<String> problems = plugin.validate(r.options());
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return r.options();
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static <T> List<T> all(Iterable<AuditRecord> records, Class<T> type) {
    return StreamSupport.stream(records.spliterator(), false)
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  static LandscapeUrl landscape(Path dir) {
    return LandscapeUrl.parse("sqlite:///" + dir.resolve("landscape.db").toAbsolutePath());
  }

  /** Rows of a Landscape query, each column as a string. */
  static List<List<String>> query(LandscapeUrl url, String sql) throws SQLException {
    LandscapeStore store = LandscapeStores.acquire(url);
    try (Connection c = store.connection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      List<List<String>> rows = new ArrayList<>();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
      return rows;
    } finally {
      LandscapeStores.release(url);
    }
  }

  static boolean isOperation(AuditRecord r, String type, String status) {
    return r instanceof OperationRecord o
        && o.operationType().equals(type)
        && o.status().equals(status);
  }

  static boolean isCall(AuditRecord r, String status) {
    return r instanceof CallRecord c && c.status().equals(status);
  }
}
