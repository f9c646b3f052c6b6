package io.elspeth.pipelines.graph;

import io.elspeth.audit.contract.SchemaContractRecord;
import io.elspeth.connectors.schema.FieldSpec;
import io.elspeth.connectors.schema.InferredFields;
import io.elspeth.connectors.schema.SchemaSpec;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The schema contract ELSPETH records for a plugin's {@code schema} settings: its mode in ELSPETH's
 * contract names ({@code strict} is {@code FIXED}, {@code free} {@code FLEXIBLE}, {@code dynamic}
 * {@code OBSERVED}), each declared field with its type ({@code any} is Python's {@code object}) and
 * whether it is required, and locked (types final) only for a fixed schema, as ELSPETH's {@code
 * create_contract_from_config} builds it. A source's contract as the run leaves it ({@link
 * #ofSource}) adds what ELSPETH infers from its first valid row and is locked, as ELSPETH's {@code
 * ContractBuilder} leaves it (docs/elspeth-compatibility.md).
 */
final class SchemaContracts {
  private SchemaContracts() {}

  static SchemaContractRecord of(SchemaSpec schema) {
    return of(schema, InferredFields.none(), schema.mode() == SchemaSpec.Mode.STRICT);
  }

  /**
   * A source's contract once its first valid row was read: the declared fields under their names at
   * the source, then each field inferred from that row ({@code source: inferred}, not required, the
   * Python type of its value), locked; ELSPETH locks it after that row, or at the end when no row
   * was valid. Null {@code inferred} (a source that infers nothing): the declared contract.
   */
  static SchemaContractRecord ofSource(SchemaSpec schema, @Nullable InferredFields inferred) {
    return inferred == null ? of(schema) : of(schema, inferred, true);
  }

  private static SchemaContractRecord of(
      SchemaSpec schema, InferredFields inferred, boolean locked) {
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
      fields.add(
          new SchemaContractRecord.Field(
              f.name(), inferred.originalName(f.name()), type, f.required(), "declared", false));
    }
    inferred
        .types()
        .forEach(
            (name, type) ->
                fields.add(
                    new SchemaContractRecord.Field(
                        name, inferred.originalName(name), type, false, "inferred", false)));
    return new SchemaContractRecord(mode, locked, fields);
  }
}
