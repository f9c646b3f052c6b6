package io.elspeth.audit.record;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.VarInt;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Coder for audit records on their way to the Landscape commit, component by component: a tag
 * naming the record type, then each record component in declaration order (strings as UTF-8,
 * numbers as varints or IEEE doubles, instants as seconds and nanos, nested records component by
 * component, a null flag before every nullable value). On Flink every record crosses a coder, and
 * Java serialisation of each record (class descriptors included) cost several times the record.
 *
 * <p>The layout follows the record classes themselves, so a component added to a record is encoded
 * without a change here; a component of a type not listed above is Java-serialised. Records never
 * serve as grouping keys, so the encoding need not be deterministic.
 */
public final class AuditRecordCoder extends AtomicCoder<AuditRecord> {
  private static final AuditRecordCoder INSTANCE = new AuditRecordCoder();

  /**
   * Record types by tag: the permitted subclasses, sorted by name so tags do not depend on order.
   */
  private static final List<Class<?>> TYPES =
      Arrays.stream(AuditRecord.class.getPermittedSubclasses())
          .sorted(Comparator.comparing(Class::getName))
          .toList();

  /** Each record type's tag, looked up once per class rather than searched per record. */
  private static final ClassValue<Integer> TAGS =
      new ClassValue<>() {
        @Override
        protected Integer computeValue(Class<?> type) {
          return TYPES.indexOf(type);
        }
      };

  private static final ClassValue<Shape> SHAPES =
      new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
          return Shape.of(type);
        }
      };

  private AuditRecordCoder() {}

  public static AuditRecordCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(AuditRecord value, OutputStream out) throws IOException {
    int tag = TAGS.get(value.getClass());
    if (tag < 0) {
      throw new CoderException("not an audit record type: " + value.getClass().getName());
    }
    DataOutputStream data = new DataOutputStream(out);
    data.writeByte(tag);
    SHAPES.get(value.getClass()).write(value, data);
    data.flush();
  }

  @Override
  public AuditRecord decode(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    int tag = data.readUnsignedByte();
    if (tag >= TYPES.size()) {
      throw new CoderException("unknown audit record tag " + tag);
    }
    return (AuditRecord) SHAPES.get(TYPES.get(tag)).read(data);
  }

  @Override
  public boolean consistentWithEquals() {
    return true;
  }

  /** How one component is written. */
  private enum Kind {
    STRING,
    INT,
    LONG,
    DOUBLE,
    BOXED_INT,
    BOXED_LONG,
    BOXED_DOUBLE,
    INSTANT,
    RECORD,
    SERIALIZED
  }

  /** A record type's components, their accessors and its canonical constructor. */
  private record Shape(
      Kind[] kinds, Class<?>[] types, MethodHandle[] getters, MethodHandle constructor) {
    static Shape of(Class<?> type) {
      RecordComponent[] components = type.getRecordComponents();
      if (components == null) {
        throw new IllegalArgumentException(type.getName() + " is not a record");
      }
      Kind[] kinds = new Kind[components.length];
      Class<?>[] types = new Class<?>[components.length];
      MethodHandle[] getters = new MethodHandle[components.length];
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      try {
        for (int i = 0; i < components.length; i++) {
          types[i] = components[i].getType();
          kinds[i] = kindOf(types[i]);
          getters[i] =
              lookup
                  .unreflect(components[i].getAccessor())
                  .asType(MethodType.methodType(Object.class, Object.class));
        }
        MethodHandle constructor =
            lookup
                .findConstructor(type, MethodType.methodType(void.class, types))
                .asSpreader(Object[].class, components.length)
                .asType(MethodType.methodType(Object.class, Object[].class));
        return new Shape(kinds, types, getters, constructor);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot reach the components of " + type.getName(), e);
      }
    }

    private static Kind kindOf(Class<?> t) {
      if (t == String.class) {
        return Kind.STRING;
      } else if (t == int.class) {
        return Kind.INT;
      } else if (t == long.class) {
        return Kind.LONG;
      } else if (t == double.class) {
        return Kind.DOUBLE;
      } else if (t == Integer.class) {
        return Kind.BOXED_INT;
      } else if (t == Long.class) {
        return Kind.BOXED_LONG;
      } else if (t == Double.class) {
        return Kind.BOXED_DOUBLE;
      } else if (t == Instant.class) {
        return Kind.INSTANT;
      } else if (t.isRecord() && java.lang.reflect.Modifier.isPublic(t.getModifiers())) {
        return Kind.RECORD;
      }
      return Kind.SERIALIZED;
    }

    void write(Object record, DataOutputStream out) throws IOException {
      for (int i = 0; i < kinds.length; i++) {
        Object v;
        try {
          v = (Object) getters[i].invokeExact(record);
        } catch (Error e) {
          throw e;
        } catch (Throwable e) {
          throw new CoderException("cannot read a component of " + record.getClass().getName(), e);
        }
        writeValue(kinds[i], types[i], v, out);
      }
    }

    Object read(DataInputStream in) throws IOException {
      Object[] values = new Object[kinds.length];
      for (int i = 0; i < kinds.length; i++) {
        values[i] = readValue(kinds[i], types[i], in);
      }
      try {
        return (Object) constructor.invokeExact(values);
      } catch (Error e) {
        throw e;
      } catch (Throwable e) {
        throw new CoderException("cannot rebuild a record from its components", e);
      }
    }
  }

  private static void writeValue(Kind kind, Class<?> type, @Nullable Object v, DataOutputStream out)
      throws IOException {
    switch (kind) {
      // Primitive columns (INT, LONG, DOUBLE) are never null: the record's own check.
      case INT -> VarInt.encode((Integer) Objects.requireNonNull(v), out);
      case LONG -> VarInt.encode((Long) Objects.requireNonNull(v), out);
      case DOUBLE -> out.writeDouble((Double) Objects.requireNonNull(v));
      default -> {
        out.writeBoolean(v != null);
        if (v == null) {
          return;
        }
        switch (kind) {
          case STRING -> {
            byte[] bytes = ((String) v).getBytes(StandardCharsets.UTF_8);
            VarInt.encode(bytes.length, out);
            out.write(bytes);
          }
          case BOXED_INT -> VarInt.encode((Integer) v, out);
          case BOXED_LONG -> VarInt.encode((Long) v, out);
          case BOXED_DOUBLE -> out.writeDouble((Double) v);
          case INSTANT -> {
            VarInt.encode(((Instant) v).getEpochSecond(), out);
            VarInt.encode(((Instant) v).getNano(), out);
          }
          case RECORD -> SHAPES.get(type).write(v, out);
          default -> {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
              oos.writeObject(v);
            }
            VarInt.encode(bytes.size(), out);
            bytes.writeTo(out);
          }
        }
      }
    }
  }

  private static @Nullable Object readValue(Kind kind, Class<?> type, DataInputStream in)
      throws IOException {
    switch (kind) {
      case INT:
        return VarInt.decodeInt(in);
      case LONG:
        return VarInt.decodeLong(in);
      case DOUBLE:
        return in.readDouble();
      default:
        break;
    }
    if (!in.readBoolean()) {
      return null;
    }
    switch (kind) {
      case STRING:
        {
          byte[] bytes = new byte[VarInt.decodeInt(in)];
          in.readFully(bytes);
          return new String(bytes, StandardCharsets.UTF_8);
        }
      case BOXED_INT:
        return VarInt.decodeInt(in);
      case BOXED_LONG:
        return VarInt.decodeLong(in);
      case BOXED_DOUBLE:
        return in.readDouble();
      case INSTANT:
        return Instant.ofEpochSecond(VarInt.decodeLong(in), VarInt.decodeInt(in));
      case RECORD:
        return SHAPES.get(type).read(in);
      default:
        {
          byte[] bytes = new byte[VarInt.decodeInt(in)];
          in.readFully(bytes);
          try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return ois.readObject();
          } catch (ClassNotFoundException e) {
            throw new CoderException("unknown class in an audit record: " + e.getMessage(), e);
          }
        }
    }
  }
}
