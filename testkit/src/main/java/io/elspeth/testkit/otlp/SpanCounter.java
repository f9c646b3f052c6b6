package io.elspeth.testkit.otlp;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * Counts the spans of an OTLP {@code ExportTraceServiceRequest} by walking its protobuf wire
 * format: every field of the request, its {@code ResourceSpans}, their {@code ScopeSpans} and each
 * {@code Span} is read tag by tag and length by length (a truncated or malformed message fails),
 * but no message object or attribute string is built. The counting receiver that the benchmarks run
 * uses it: it decodes what a collector decodes at a fraction of the CPU that building the messages
 * takes, CPU that is the receiver's and not the exporter's it measures.
 */
public final class SpanCounter {
  /**
   * The tags leading to the spans, one per level: ExportTraceServiceRequest.resource_spans (field
   * 1), ResourceSpans.scope_spans (field 2), ScopeSpans.spans (field 2), all messages.
   */
  private static final int[] PATH = {
    1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED,
    2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED,
    2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED
  };

  private SpanCounter() {}

  /** The number of spans in an encoded request; throws when it is not a well-formed message. */
  public static long count(byte[] request) throws InvalidProtocolBufferException {
    try {
      return countIn(CodedInputStream.newInstance(request), 0);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  /**
   * Spans in the message being read at {@code depth} of {@link #PATH}: its fields on the path are
   * entered, the others skipped; at the end of the path the message is a span, walked field by
   * field.
   */
  private static long countIn(CodedInputStream in, int depth) throws IOException {
    boolean span = depth == PATH.length;
    long spans = span ? 1 : 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (!span && tag == PATH[depth]) {
        int limit = in.pushLimit(in.readRawVarint32());
        spans += countIn(in, depth + 1);
        in.popLimit(limit);
      } else {
        skip(in, tag);
      }
    }
    return spans;
  }

  private static void skip(CodedInputStream in, int tag) throws IOException {
    if (!in.skipField(tag)) {
      throw new InvalidProtocolBufferException("unexpected end-group tag " + tag);
    }
  }
}
