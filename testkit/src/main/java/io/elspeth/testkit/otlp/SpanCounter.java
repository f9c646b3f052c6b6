package io.elspeth.testkit.otlp;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * Counts the spans of an OTLP {@code ExportTraceServiceRequest} by walking its protobuf wire
 * format: every field of the request, its {@code ResourceSpans}, their {@code ScopeSpans} and
 * each {@code Span} is read tag by tag and length by length (a truncated or malformed message
 * fails), but no message object or attribute string is built. The counting receiver that the
 * benchmarks run uses it: it decodes what a collector decodes at a fraction of the CPU that
 * building the messages takes, CPU that is the receiver's and not the exporter's it measures.
 */
public final class SpanCounter {
  /** ExportTraceServiceRequest.resource_spans: field 1, length-delimited. */
  private static final int NESTED = 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  /** ResourceSpans.scope_spans and ScopeSpans.spans: field 2, length-delimited. */
  private static final int CHILDREN = 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private SpanCounter() {}

  /** The number of spans in an encoded request; throws when it is not a well-formed message. */
  public static long count(byte[] request) throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(request);
    try {
      long spans = 0;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == NESTED) {
          int limit = in.pushLimit(in.readRawVarint32());
          spans += scopeSpansOf(in);
          in.popLimit(limit);
        } else {
          skip(in, tag);
        }
      }
      return spans;
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  /** Spans of one ResourceSpans (its scope_spans, field 2). */
  private static long scopeSpansOf(CodedInputStream in) throws IOException {
    long spans = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == CHILDREN) {
        int limit = in.pushLimit(in.readRawVarint32());
        spans += spansOf(in);
        in.popLimit(limit);
      } else {
        skip(in, tag);
      }
    }
    return spans;
  }

  /** Spans of one ScopeSpans (field 2), each walked field by field. */
  private static long spansOf(CodedInputStream in) throws IOException {
    long spans = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == CHILDREN) {
        int limit = in.pushLimit(in.readRawVarint32());
        for (int field = in.readTag(); field != 0; field = in.readTag()) {
          skip(in, field);
        }
        in.popLimit(limit);
        spans++;
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
