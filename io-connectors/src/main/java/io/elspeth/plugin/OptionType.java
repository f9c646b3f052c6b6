package io.elspeth.plugin;

/** The shape a plugin option's value must have in the settings file. */
public enum OptionType {
  STRING("a string"),
  /**
   * A string naming a local file or folder: read against the working directory, or against the base
   * folder settings given as text to the Java API are read from.
   */
  PATH("a file path"),
  /**
   * A string that is a credential: only its fingerprint reaches the audit record, and a run with
   * one needs {@code ELSPETH_FINGERPRINT_KEY}. Secret detection trusts this declaration over the
   * option's name, so {@code upsert_key} (a column list) is not a secret.
   */
  SECRET("a string (a secret)"),
  INT("an integer"),
  NUMBER("a number"),
  BOOL("a boolean (true or false)"),
  STRING_LIST("a list of strings"),
  STRING_OR_LIST("a string or a list of strings"),
  STRING_MAP("a mapping of strings to strings"),
  INT_MAP("a mapping of strings to integers"),
  SCHEMA("a schema ({mode, fields} or {fields: dynamic})"),
  OBJECT("a mapping"),
  SINK_NAME("the name of a configured sink"),
  ANY("any value");

  private final String expected;

  OptionType(String expected) {
    this.expected = expected;
  }

  /** What the user must write, for error messages. */
  public String expected() {
    return expected;
  }
}
