package io.elspeth.pipelines.graph;

import io.elspeth.audit.contract.SchemaContractRecord;
import io.elspeth.connectors.schema.FieldSpec;
import io.elspeth.connectors.schema.SchemaSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The schema contract ELSPETH records for a plugin's {@code schema} settings: its mode in ELSPETH's
 * contract names ({@code strict} is {@code FIXED}, {@code free} {@code FLEXIBLE}, {@code dynamic}
 * {@code OBSERVED}), each declared field with its type ({@code any} is Python's {@code object}) and
 * whether it is required, and locked (types final) only for a fixed schema, as ELSPETH's {@code
 * create_contract_from_config} builds it. ELSPETH later adds the fields it infers from the first
 * valid row of a flexible or observed source and locks the contract; our sources check every row
 * against the declared schema and infer nothing, so the recorded contract is the declared one
 * (docs/elspeth-compatibility.md).
 */
final class SchemaContracts {
  private SchemaContracts() {}

  static SchemaContractRecord of(SchemaSpec schema) {
    String mode =
        switch (schema.mode()) {
          case STRICT -> "FIXED";
          case FREE -> "FLEXIBLE";
          case DYNAMIC -> "OBSERVED";
        };
    List<SchemaContractRecord.Field> fields = new ArrayList<>();
    for (FieldSpec f : schema.fields()) {
      String type =
          switch (f.type()) {
            case INT -> "int";
            case FLOAT -> "float";
            case STR -> "str";
            case BOOL -> "bool";
            case ANY -> "object";
          };
      fields.add(SchemaContractRecord.Field.declared(f.name(), type, f.required()));
    }
    return new SchemaContractRecord(mode, mode.equals("FIXED"), fields);
  }
}
