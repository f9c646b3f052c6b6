package io.elspeth.connectors.client;

import io.elspeth.connectors.client.AuditedLlmClient.ChatRequest;
import io.elspeth.connectors.client.AuditedLlmClient.ChatResponse;

/**
 * One back end of {@link AuditedLlmClient}: each {@link #chat} is one attempt, recorded as exactly
 * one call whatever came back, and thrown classified when it failed.
 */
interface LlmChatBackend extends AutoCloseable {
  /** The provider recorded with each call ({@code azure}, {@code openrouter}). */
  String provider();

  ChatResponse chat(ChatRequest request, CallSink sink) throws ExternalCallException;

  @Override
  void close();
}
