package io.elspeth.audit.contract;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaContractRecordTest {
  // Expected hashes computed independently with Python's hashlib over the canonical JSON
  // (json.dumps(sort_keys=True, separators=(',', ':'))) of ELSPETH's hashed form.

  @Test
  void aFixedContractIsElspethsJsonWithItsVersionHash() {
    SchemaContractRecord contract =
        new SchemaContractRecord(
            "FIXED",
            true,
            List.of(
                SchemaContractRecord.Field.declared("name", "str", false),
                SchemaContractRecord.Field.declared("id", "int", true)));

    assertThat(contract.versionHash(), equalTo("bd1af570427e7351dc329f6146e9ca03"));
    assertThat(
        contract.toJson(),
        equalTo(
            "{\"fields\":["
                + "{\"normalized_name\":\"id\",\"nullable\":false,\"original_name\":\"id\","
                + "\"python_type\":\"int\",\"required\":true,\"source\":\"declared\"},"
                + "{\"normalized_name\":\"name\",\"nullable\":false,\"original_name\":\"name\","
                + "\"python_type\":\"str\",\"required\":false,\"source\":\"declared\"}],"
                + "\"locked\":true,\"mode\":\"FIXED\","
                + "\"version_hash\":\"bd1af570427e7351dc329f6146e9ca03\"}"));
  }

  @Test
  void anObservedContractWithoutFieldsHashesItsModeAndLock() {
    assertThat(
        new SchemaContractRecord("OBSERVED", false, List.of()).versionHash(),
        equalTo("8f0abe5f23448e062d2b758ea1694b1d"));
  }

  @Test
  void valuesElspethCannotReadAreRefused() {
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> new SchemaContractRecord("STRICT", true, List.of()))
            .getMessage(),
        containsString("contract mode 'STRICT'"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> SchemaContractRecord.Field.declared("x", "any", true))
            .getMessage(),
        containsString("field 'x': type 'any'"));
  }
}
