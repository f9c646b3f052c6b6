package io.elspeth.testkit.chaosllm;

/**
 * The faults ChaosLLM can inject, in the priority order used by {@code selection_mode: priority}
 * (connection-level first, then HTTP errors, then malformed 200 responses). {@link #key()} is the
 * name used in configuration ({@code <key>_pct}) and in {@link ChaosStats} outcomes.
 */
public enum FaultKind {
  /** Holds the request for {@code timeout_sec}, then answers 504 (clients time out first). */
  TIMEOUT("timeout", 504, Category.CONNECTION),
  /** Waits {@code connection_failed_lead_sec}, then closes the connection without a response. */
  CONNECTION_FAILED("connection_failed", 0, Category.CONNECTION),
  /** Sends headers and part of the body, stalls {@code connection_stall_sec}, then disconnects. */
  CONNECTION_STALL("connection_stall", 0, Category.CONNECTION),
  /** Closes the connection at once, without a response. */
  CONNECTION_RESET("connection_reset", 0, Category.CONNECTION),
  /** A normal response after an extra {@code slow_response_sec} delay. */
  SLOW_RESPONSE("slow_response", 200, Category.CONNECTION),
  RATE_LIMIT("rate_limit", 429, Category.HTTP),
  CAPACITY_529("capacity_529", 529, Category.HTTP),
  SERVICE_UNAVAILABLE("service_unavailable", 503, Category.HTTP),
  BAD_GATEWAY("bad_gateway", 502, Category.HTTP),
  GATEWAY_TIMEOUT("gateway_timeout", 504, Category.HTTP),
  INTERNAL_ERROR("internal_error", 500, Category.HTTP),
  FORBIDDEN("forbidden", 403, Category.HTTP),
  NOT_FOUND("not_found", 404, Category.HTTP),
  /** 502 with a proxy's HTML error page as {@code text/html}, not the service's JSON error. */
  HTML_ERROR_PAGE("html_error_page", 502, Category.HTTP),
  /** 200 with a body that is not JSON. */
  INVALID_JSON("invalid_json", 200, Category.MALFORMED),
  /** 200 with the first half of the JSON body. */
  TRUNCATED("truncated", 200, Category.MALFORMED),
  /** 200 with no body at all. */
  EMPTY_BODY("empty_body", 200, Category.MALFORMED),
  /** 200 with valid JSON lacking the payload (chat: {@code choices: []}, no usage). */
  MISSING_FIELDS("missing_fields", 200, Category.MALFORMED),
  /**
   * 200 with a well-formed body whose payload is null (chat: the first choice's {@code
   * message.content} with {@code finish_reason: content_filter}; analyze: {@code
   * categoriesAnalysis}; shield: {@code userPromptAnalysis}).
   */
  NULL_CONTENT("null_content", 200, Category.MALFORMED),
  /**
   * 200 with valid JSON that has no payload key at all (chat: no {@code choices}; others: {@code
   * {}}).
   */
  MISSING_CHOICES("missing_choices", 200, Category.MALFORMED),
  /** 200 with an HTML page as {@code text/html}. */
  WRONG_CONTENT_TYPE("wrong_content_type", 200, Category.MALFORMED),
  /**
   * A well-formed chat completion whose content breaks the request's {@code json_schema}: a
   * required key dropped, a value of the wrong type or an extra key (not JSON at all when the
   * request had no schema). What a model that ignores structured outputs would send.
   */
  SCHEMA_VIOLATION("schema_violation", 200, Category.MALFORMED);

  /** How a fault shows itself to a client. */
  public enum Category {
    CONNECTION,
    HTTP,
    MALFORMED
  }

  private final String key;
  private final int status;
  private final Category category;

  FaultKind(String key, int status, Category category) {
    this.key = key;
    this.status = status;
    this.category = category;
  }

  /** Configuration and statistics name, e.g. {@code rate_limit}. */
  public String key() {
    return key;
  }

  /** The HTTP status the client sees, 0 when the connection is dropped without a response. */
  public int status() {
    return status;
  }

  public Category category() {
    return category;
  }

  /** The kind configured as {@code <key>_pct}. */
  public static FaultKind fromKey(String key) {
    for (FaultKind kind : values()) {
      if (kind.key.equals(key)) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown fault kind '" + key + "'");
  }
}
