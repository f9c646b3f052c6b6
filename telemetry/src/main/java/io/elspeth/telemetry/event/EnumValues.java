package io.elspeth.telemetry.event;

import java.util.Locale;

/**
 * The lower-case values of the events' enums, made once per enum class: every row's events name a
 * status, a routing mode or an outcome, and lower-casing the name per event made a string each
 * time.
 */
final class EnumValues {
  private static final ClassValue<String[]> VALUES =
      new ClassValue<>() {
        @Override
        protected String[] computeValue(Class<?> type) {
          Object[] constants = type.getEnumConstants();
          String[] values = new String[constants.length];
          for (int i = 0; i < constants.length; i++) {
            values[i] = ((Enum<?>) constants[i]).name().toLowerCase(Locale.ROOT);
          }
          return values;
        }
      };

  private EnumValues() {}

  static String of(Enum<?> constant) {
    return VALUES.get(constant.getDeclaringClass())[constant.ordinal()];
  }
}
