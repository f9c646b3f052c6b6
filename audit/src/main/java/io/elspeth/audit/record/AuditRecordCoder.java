package io.elspeth.audit.record;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;

/**
 * Coder for audit records on their way to the Landscape commit. Records are Java records (value
 * equality), so Java serialisation of the record is a faithful encoding; records never serve as
 * grouping keys, so the encoding need not be deterministic.
 */
public final class AuditRecordCoder extends CustomCoder<AuditRecord> {
  private static final AuditRecordCoder INSTANCE = new AuditRecordCoder();

  private AuditRecordCoder() {}

  public static AuditRecordCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(AuditRecord value, OutputStream out) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(256);
    try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
      oos.writeObject(value);
    }
    ByteArrayCoder.of().encode(bytes.toByteArray(), out);
  }

  @Override
  public AuditRecord decode(InputStream in) throws IOException {
    byte[] bytes = ByteArrayCoder.of().decode(in);
    try (ObjectInputStream ois = new ObjectInputStream(new java.io.ByteArrayInputStream(bytes))) {
      return (AuditRecord) ois.readObject();
    } catch (ClassNotFoundException e) {
      throw new CoderException("unknown audit record class: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
