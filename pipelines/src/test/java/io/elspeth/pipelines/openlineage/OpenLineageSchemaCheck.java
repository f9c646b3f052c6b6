package io.elspeth.pipelines.openlineage;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Checks an OpenLineage event against the official OpenLineage JSON schema kept in the test
 * resources ({@code openlineage/}, see its README): the event against {@code RunEvent} (with
 * formats asserted: a UUID run id, a date-time, URIs), then every facet of the spec it carries
 * against that facet's own schema, named by its {@code _schemaURL}. The schemas are read from the
 * classpath, never fetched.
 */
public final class OpenLineageSchemaCheck {
  private static final String SPEC = "https://openlineage.io/spec/";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDefaultDialect(
          SpecificationVersion.DRAFT_2020_12,
          b ->
              b.schemaRegistryConfig(
                      SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build())
                  .schemaIdResolvers(r -> r.mappings(OpenLineageSchemaCheck::classpath)));
  private static final Schema RUN_EVENT =
      REGISTRY.getSchema(SchemaLocation.of(SPEC + "2-0-2/OpenLineage.json#/$defs/RunEvent"));

  private OpenLineageSchemaCheck() {}

  /**
   * The vendored copy of a spec schema: {@code .../2-0-2/OpenLineage.json}, {@code
   * .../facets/v/X.json}.
   */
  private static String classpath(String id) {
    if (id.equals(SPEC + "2-0-2/OpenLineage.json")) {
      return "classpath:openlineage/OpenLineage.json";
    }
    if (id.startsWith(SPEC + "facets/")) {
      return "classpath:openlineage/facets/" + id.substring(id.lastIndexOf('/') + 1);
    }
    return null;
  }

  /** Every way {@code eventJson} breaks the schema; empty when it is a valid run event. */
  public static List<String> problems(String eventJson) {
    List<String> out = new ArrayList<>();
    RUN_EVENT.validate(eventJson, InputFormat.JSON).forEach(e -> out.add("event: " + e));
    JsonNode event = JSON.readTree(eventJson);
    facets(event.path("run").path("facets"), "run", out);
    facets(event.path("job").path("facets"), "job", out);
    for (String side : List.of("inputs", "outputs")) {
      int i = 0;
      for (JsonNode d : event.path(side)) {
        for (String kind : List.of("facets", "inputFacets", "outputFacets")) {
          facets(d.path(kind), side + "[" + i + "]." + kind, out);
        }
        i++;
      }
    }
    return out;
  }

  private static void facets(JsonNode facets, String where, List<String> out) {
    for (Map.Entry<String, JsonNode> f : facets.properties()) {
      String url = f.getValue().path("_schemaURL").asString("");
      if (!url.startsWith(SPEC + "facets/")) {
        continue; // ELSPETH's own facets: the RunEvent schema checks them as facets
      }
      Schema schema = REGISTRY.getSchema(SchemaLocation.of(url));
      for (Error e : schema.validate(f.getValue())) {
        out.add(where + "." + f.getKey() + ": " + e);
      }
    }
  }
}
