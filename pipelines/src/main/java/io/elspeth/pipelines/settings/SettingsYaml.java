package io.elspeth.pipelines.settings;

import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Turns the text of a settings file into plain values (maps, lists, strings, {@code Long} / {@code
 * BigInteger}, {@code Double}, {@code Boolean}, null), refusing what would make a file mean
 * something other than it says: a key given twice in one mapping (both lines named), an alias that
 * expands without bound (billion laughs), nesting past {@link #MAX_DEPTH}, and tags other than
 * YAML's standard scalar ones.
 *
 * <p>The file is only <em>composed</em> by SnakeYAML (a node tree with line marks); no Java object
 * is ever constructed from a tag. Plain scalars are typed as the YAML 1.2 core schema does ({@code
 * yes}/{@code on} stay strings, as before with Jackson); merge keys ({@code <<}) are applied,
 * explicit keys winning.
 */
final class SettingsYaml {
  /** The largest settings file read: far above any real pipeline, far below a memory problem. */
  static final int MAX_BYTES = 1 << 20;

  /** Nesting deeper than this is refused (SnakeYAML's own default, checked while composing). */
  static final int MAX_DEPTH = 50;

  /** Aliases to a mapping or list in one file. */
  static final int MAX_COLLECTION_ALIASES = 50;

  /** Values after expanding aliases and merges: bounds what a few aliases can blow up to. */
  static final int MAX_VALUES = 100_000;

  private static final String MERGE = "<<";

  /** SnakeYAML's implicit typing, only to tell an explicit tag from an implicit one. */
  private static final Resolver RESOLVER = new Resolver();

  private static final Pattern INT = Pattern.compile("[-+]?[0-9][0-9_]*");
  private static final Pattern HEX = Pattern.compile("0x[0-9a-fA-F_]+");
  private static final Pattern OCT = Pattern.compile("0o[0-7_]+");
  private static final Pattern FLOAT =
      Pattern.compile("[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?");
  private static final Pattern INF = Pattern.compile("[-+]?\\.(inf|Inf|INF)");
  private static final Pattern NAN = Pattern.compile("\\.(nan|NaN|NAN)");
  private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");
  private static final Set<String> TRUES = Set.of("true", "True", "TRUE");
  private static final Set<String> FALSES = Set.of("false", "False", "FALSE");

  private final Path file;
  private final List<String> problems = new ArrayList<>();
  private final Map<String, String> locations = new LinkedHashMap<>();
  private final Set<Node> inProgress = Collections.newSetFromMap(new IdentityHashMap<>());
  private int values;

  private SettingsYaml(Path file) {
    this.file = file;
  }

  /**
   * A parsed file: its value, and where each key path (and list item) was written, as {@code line
   * L, column C}.
   */
  record Parsed(@Nullable Object value, Map<String, String> locations) {}

  /** Parses {@code text} read from {@code file}; throws {@link SettingsException} naming lines. */
  static Parsed parse(Path file, String text) {
    SettingsYaml yaml = new SettingsYaml(file);
    Object value = yaml.read(text);
    return new Parsed(value, yaml.locations);
  }

  private @Nullable Object read(String text) {
    Node root;
    try {
      root = new Yaml(options()).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      throw new SettingsException(
          file, List.of("malformed YAML: " + where(e.getProblemMark()) + describe(e)));
    } catch (YAMLException e) {
      throw new SettingsException(file, List.of("malformed YAML: " + e.getMessage()));
    }
    if (root == null) {
      return null;
    }
    Object value;
    try {
      value = value(root, "");
    } catch (TooLarge e) {
      throw new SettingsException(file, List.of(e.getMessage()));
    }
    if (!problems.isEmpty()) {
      throw new SettingsException(file, problems);
    }
    return value;
  }

  private static LoaderOptions options() {
    LoaderOptions o = new LoaderOptions();
    o.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
    o.setNestingDepthLimit(MAX_DEPTH);
    o.setAllowRecursiveKeys(false);
    o.setCodePointLimit(MAX_BYTES);
    o.setProcessComments(false);
    return o;
  }

  private static String describe(MarkedYAMLException e) {
    String problem = e.getProblem();
    String context = e.getContext();
    if (problem == null) {
      return String.valueOf(context);
    }
    return context == null ? problem : problem + " (" + context + ")";
  }

  /** "line L, column C: " of a mark (1-based), or nothing. */
  static String where(@Nullable Mark mark) {
    return mark == null
        ? ""
        : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
  }

  private static String at(Node node) {
    Mark m = node.getStartMark();
    return "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
  }

  private static String line(Node node) {
    return "line " + (node.getStartMark().getLine() + 1);
  }

  private @Nullable Object value(Node node, String path) {
    if (++values > MAX_VALUES) {
      throw new TooLarge(path);
    }
    if (!inProgress.add(node)) {
      problems.add(
          label(path)
              + "alias at "
              + line(node)
              + " refers to a mapping or list that"
              + " contains it (a recursive alias)");
      return null;
    }
    try {
      Tag expected =
          node.getNodeId() == NodeId.sequence
              ? Tag.SEQ
              : node.getNodeId() == NodeId.mapping ? Tag.MAP : null;
      if (expected != null && !node.getTag().equals(expected)) {
        problems.add(unsupportedTag(node, path));
        return null;
      }
      return switch (node.getNodeId()) {
        case scalar -> scalar((ScalarNode) node, path);
        case sequence -> sequence((SequenceNode) node, path);
        case mapping -> mapping((MappingNode) node, path);
        case anchor -> {
          problems.add(label(path) + "unsupported YAML node at " + line(node));
          yield null;
        }
      };
    } finally {
      inProgress.remove(node);
    }
  }

  private List<Object> sequence(SequenceNode node, String path) {
    List<Object> out = new ArrayList<>();
    List<Node> items = node.getValue();
    for (int i = 0; i < items.size(); i++) {
      locations.putIfAbsent(path + "[" + i + "]", at(items.get(i)));
      out.add(value(items.get(i), path + "[" + i + "]"));
    }
    return out;
  }

  private Map<String, Object> mapping(MappingNode node, String path) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Node> keyNodes = new LinkedHashMap<>();
    List<Node> merges = new ArrayList<>();
    for (NodeTuple tuple : node.getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode k)) {
        problems.add(
            label(path)
                + "a key at "
                + line(keyNode)
                + " is a mapping or list; keys"
                + " must be plain names");
        continue;
      }
      String key = k.getValue();
      if (key.equals(MERGE) && k.isPlain() && k.getTag().equals(Tag.MERGE)) {
        merges.add(tuple.getValueNode());
        continue;
      }
      String childPath = path.isEmpty() ? key : path + "." + key;
      Node first = keyNodes.putIfAbsent(key, keyNode);
      if (first != null) {
        problems.add(
            childPath
                + ": duplicate key at "
                + line(first)
                + " and again at "
                + line(keyNode)
                + " (only one would be kept; remove or rename one of them)");
        continue;
      }
      locations.putIfAbsent(childPath, at(keyNode));
      out.put(key, value(tuple.getValueNode(), childPath));
    }
    if (merges.size() > 1) {
      problems.add(
          label(path)
              + "'<<' given "
              + merges.size()
              + " times in one mapping; give one"
              + " '<<' with a list of mappings");
    }
    for (Node merge : merges) {
      merge(merge, path).forEach(out::putIfAbsent);
    }
    return out;
  }

  /** The mappings a merge key names (one, or a list of them; earlier ones win, as YAML says). */
  private Map<String, Object> merge(Node node, String path) {
    Map<String, Object> merged = new LinkedHashMap<>();
    List<Node> sources = node instanceof SequenceNode s ? s.getValue() : List.of(node);
    for (Node source : sources) {
      if (!(source instanceof MappingNode)) {
        problems.add(
            label(path)
                + "'<<' at "
                + line(source)
                + " must name a mapping (or a list"
                + " of mappings)");
        continue;
      }
      Object value = value(source, path);
      if (value instanceof Map<?, ?> m) {
        m.forEach((k, v) -> merged.putIfAbsent((String) k, v));
      }
    }
    return merged;
  }

  private @Nullable Object scalar(ScalarNode node, String path) {
    Object value = typed(node, path);
    if (value instanceof Double d && !Double.isFinite(d)) {
      problems.add(
          label(path)
              + "'"
              + node.getValue()
              + "' at "
              + line(node)
              + " is not a finite"
              + " number; settings numbers must be finite");
      return null;
    }
    return value;
  }

  private @Nullable Object typed(ScalarNode node, String path) {
    String text = node.getValue();
    Tag tag = node.getTag();
    boolean implicit =
        node.isPlain()
            ? tag.equals(RESOLVER.resolve(NodeId.scalar, text, true))
            : tag.equals(Tag.STR);
    if (!node.isPlain() && implicit) {
      return text;
    }
    if (implicit) {
      return plain(text);
    }
    // An explicit standard tag: !!str keeps the text; the others must agree with the text.
    if (tag.equals(Tag.STR)) {
      return text;
    }
    Object typed = plain(text);
    boolean agrees =
        tag.equals(Tag.NULL) && typed == null
            || tag.equals(Tag.BOOL) && typed instanceof Boolean
            || tag.equals(Tag.INT) && (typed instanceof Long || typed instanceof BigInteger)
            || tag.equals(Tag.FLOAT) && typed instanceof Number;
    if (agrees) {
      return tag.equals(Tag.FLOAT) && typed instanceof Number n ? n.doubleValue() : typed;
    }
    problems.add(unsupportedTag(node, path));
    return null;
  }

  private static String unsupportedTag(Node node, String path) {
    return label(path)
        + "tag "
        + node.getTag()
        + " at "
        + line(node)
        + ", column "
        + (node.getStartMark().getColumn() + 1)
        + " is not supported (settings are plain values;"
        + " only !!str, !!int, !!float, !!bool and !!null are accepted)";
  }

  /** A plain scalar as the YAML 1.2 core schema types it. */
  private static @Nullable Object plain(String text) {
    if (NULLS.contains(text)) {
      return null;
    }
    if (TRUES.contains(text)) {
      return Boolean.TRUE;
    }
    if (FALSES.contains(text)) {
      return Boolean.FALSE;
    }
    if (INT.matcher(text).matches()) {
      return integer(text.replace("_", ""), 10);
    }
    if (HEX.matcher(text).matches()) {
      return integer(text.substring(2).replace("_", ""), 16);
    }
    if (OCT.matcher(text).matches()) {
      return integer(text.substring(2).replace("_", ""), 8);
    }
    if (FLOAT.matcher(text).matches() && text.chars().anyMatch(Character::isDigit)) {
      return Double.parseDouble(text.replace("_", ""));
    }
    if (INF.matcher(text).matches()) {
      return text.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (NAN.matcher(text).matches()) {
      return Double.NaN;
    }
    return text;
  }

  private static Object integer(String digits, int radix) {
    BigInteger b = new BigInteger(digits.startsWith("+") ? digits.substring(1) : digits, radix);
    return b.bitLength() < 64 ? (Object) b.longValue() : b;
  }

  private static String label(String path) {
    return path.isEmpty() ? "" : path + ": ";
  }

  /** The expansion budget is spent: stop at once rather than collect more problems. */
  private static final class TooLarge extends RuntimeException {
    TooLarge(String path) {
      super(
          "the settings expand to more than "
              + MAX_VALUES
              + " values"
              + (path.isEmpty() ? "" : " (at " + path + ")")
              + ": aliases (*name) repeat a mapping or list too many times; write it out, or use"
              + " fewer aliases",
          null,
          false,
          false);
    }
  }
}
