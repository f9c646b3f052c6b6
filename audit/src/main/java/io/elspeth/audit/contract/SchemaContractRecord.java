package io.elspeth.audit.contract;

import io.elspeth.audit.canonical.CanonicalJson;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A schema contract as ELSPETH records it in {@code runs.schema_contract_json} and {@code
 * nodes.input_contract_json} / {@code output_contract_json}: the JSON of its {@code
 * ContractAuditRecord} ({@code {"fields": [...], "locked": ..., "mode": ..., "version_hash": ...}},
 * canonical JSON, fields sorted by name), whose {@code version_hash} ELSPETH's readers recompute
 * when they restore the contract (a mismatch is an integrity error to them). The hash is the first
 * 32 hex characters of the SHA-256 of the canonical JSON of {@code {"mode", "locked", "fields":
 * [{"n", "o", "t", "r", "s", "nullable"}]}}, as ELSPETH's {@code SchemaContract.version_hash()}
 * computes it; {@code runs.schema_contract_hash} holds it too.
 *
 * @param mode {@code FIXED}, {@code FLEXIBLE} or {@code OBSERVED}
 * @param locked whether the field types are final (ELSPETH: a fixed schema from the start)
 * @param fields the contract's fields, in any order
 */
public record SchemaContractRecord(String mode, boolean locked, List<Field> fields) {
  /** The modes ELSPETH's readers accept. */
  public static final Set<String> MODES = Set.of("FIXED", "FLEXIBLE", "OBSERVED");

  /** The type names ELSPETH's readers accept ({@code CONTRACT_TYPE_MAP}); {@code object} = any. */
  public static final Set<String> PYTHON_TYPES =
      Set.of("int", "str", "float", "bool", "NoneType", "datetime", "object");

  /**
   * One field of a contract.
   *
   * @param name the field's name in rows (ELSPETH's normalized name)
   * @param originalName the name at the source (the same unless the source renamed it)
   * @param pythonType one of {@link #PYTHON_TYPES}
   * @param required whether a row must have it
   * @param source {@code declared} (from settings) or {@code inferred} (from data)
   * @param nullable whether null is a valid value
   */
  public record Field(
      String name,
      String originalName,
      String pythonType,
      boolean required,
      String source,
      boolean nullable) {
    public Field {
      if (!PYTHON_TYPES.contains(pythonType)) {
        throw new IllegalArgumentException(
            "contract field '" + name + "': type '" + pythonType + "' is none of " + PYTHON_TYPES);
      }
      if (!source.equals("declared") && !source.equals("inferred")) {
        throw new IllegalArgumentException(
            "contract field '"
                + name
                + "': source '"
                + source
                + "' is neither declared nor inferred");
      }
    }

    /** A field declared in settings, under its own name, not nullable. */
    public static Field declared(String name, String pythonType, boolean required) {
      return new Field(name, name, pythonType, required, "declared", false);
    }
  }

  public SchemaContractRecord {
    if (!MODES.contains(mode)) {
      throw new IllegalArgumentException("contract mode '" + mode + "' is none of " + MODES);
    }
    fields = fields.stream().sorted(Comparator.comparing(Field::name)).toList();
  }

  /** ELSPETH's {@code version_hash}: 32 hex characters. */
  public String versionHash() {
    List<Map<String, Object>> defs = new ArrayList<>();
    for (Field f : fields) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("n", f.name());
      d.put("o", f.originalName());
      d.put("t", f.pythonType());
      d.put("r", f.required());
      d.put("s", f.source());
      d.put("nullable", f.nullable());
      defs.add(d);
    }
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("mode", mode);
    content.put("locked", locked);
    content.put("fields", defs);
    return CanonicalJson.sha256Hex(CanonicalJson.canonicalize(content)).substring(0, 32);
  }

  /** The JSON ELSPETH stores: its {@code ContractAuditRecord.to_json()}. */
  public String toJson() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Field f : fields) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("normalized_name", f.name());
      d.put("original_name", f.originalName());
      d.put("python_type", f.pythonType());
      d.put("required", f.required());
      d.put("source", f.source());
      d.put("nullable", f.nullable());
      list.add(d);
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("mode", mode);
    data.put("locked", locked);
    data.put("version_hash", versionHash());
    data.put("fields", list);
    return CanonicalJson.canonicalize(data);
  }
}
