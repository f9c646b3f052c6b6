package io.elspeth.audit.token;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

class TokenCoderTest {
  private static Token sample() {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", 7L);
    data.put("name", "ada");
    data.put("score", 1.5);
    data.put("tags", List.of("a", "b"));
    data.put("missing", null);
    return Token.fromSource("row1", 3, data)
        .child(2, data, "state1")
        .routedTo("out", "routed", "abcd");
  }

  @Test
  void roundTripsEveryField() throws Exception {
    Token t = sample();
    Token back =
        CoderUtils.decodeFromByteArray(
            TokenCoder.of(), CoderUtils.encodeToByteArray(TokenCoder.of(), t));
    assertThat(back, equalTo(t));
    assertThat(back.data().get("id"), is(7L));
  }

  @Test
  void encodesDeterministically() throws Exception {
    Token t = sample();
    assertThat(
        Arrays.equals(
            CoderUtils.encodeToByteArray(TokenCoder.of(), t),
            CoderUtils.encodeToByteArray(TokenCoder.of(), t)),
        is(true));
  }

  @Test
  void ordersTokensAsTheSourceDid() {
    Token a = Token.fromSource("r0", 0, Map.of());
    Token b = Token.fromSource("r1", 1, Map.of());
    Token b0 = b.child(0, Map.of(), "s");
    Token b1 = b.child(1, Map.of(), "s");
    List<Token> tokens = new ArrayList<>(List.of(b1, a, b0));
    tokens.sort(Token::compareBySourceOrder);
    assertThat(tokens, equalTo(List.of(a, b0, b1)));
  }

  @Test
  void rowIdsAreDeterministicAndOtherIdsUnique() {
    assertThat(Ids.rowId("run", "node", 5), equalTo(Ids.rowId("run", "node", 5)));
    assertThat(Ids.rowId("run", "node", 5).length(), is(32));
    assertThat(Ids.tokenId().equals(Ids.tokenId()), is(false));
    assertThat(Ids.terminalOutcomeId("tok").length(), is(16));
    String first = Ids.stateId();
    // The first 48 bits are the creation millisecond, so ids sort by creation time.
    assertThat(
        "time-ordered",
        Ids.stateId().substring(0, 12).compareTo(first.substring(0, 12)),
        greaterThan(-1));
    assertThat(Ids.errorHash("x").length(), lessThan(17));
  }
}
