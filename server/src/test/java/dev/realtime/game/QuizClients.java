package dev.realtime.game;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.WsClient;
import java.util.HashMap;
import java.util.Map;

/** Test helpers for quiz players over real WebSocket clients. */
final class QuizClients {
    static final String GAME = "1v1_rapid_quiz";
    /** Correct answers of the bundled bank by question id (the server never sends them). */
    static final Map<Integer, String> ANSWERS = new HashMap<>();

    static {
        for (Question q : QuestionBank.load(null, 1).all()) {
            ANSWERS.put(q.id(), q.answer());
        }
    }

    private QuizClients() {
    }

    /** Sends an emit with an id and returns its reply. */
    static JsonNode emit(WsClient c, String event, String dataJson) {
        return c.request("emit", "\"event\":" + WsClient.quote(event) + (dataJson == null ? "" : ",\"data\":" + dataJson));
    }

    static JsonNode joinQueue(WsClient c) {
        return emit(c, "matchmaking:join", "{\"gameType\":\"" + GAME + "\"}");
    }

    static JsonNode submit(WsClient c, String answer, long timer) {
        return emit(c, "match:submitAnswer", "{\"answer\":" + WsClient.quote(answer) + ",\"timer\":" + timer + "}");
    }

    /** The data of the next {@code event} this client receives. */
    static JsonNode next(WsClient c, String event) {
        return c.expectEvent(event).get("data");
    }

    /** The data of the next {@code match:stateUpdate} in which {@code user} is at question {@code index}. */
    static JsonNode stateWhere(WsClient c, String user, int index) {
        return c.expect(m -> "match:stateUpdate".equals(m.path("event").asText())
                && (side(m.get("data"), user).path("activeQuestionIndex").asInt() == index)).get("data");
    }

    /** {@code playerA} or {@code playerB} of a state, whichever is {@code user}. */
    static JsonNode side(JsonNode state, String user) {
        return user.equals(state.path("playerA").path("userId").asText()) ? state.get("playerA") : state.get("playerB");
    }

    static String correct(JsonNode question) {
        return ANSWERS.get(question.get("id").asInt());
    }

    /** An option that is not the answer. */
    static String wrong(JsonNode question) {
        String right = correct(question);
        for (JsonNode o : question.get("options")) {
            if (!o.asText().equals(right)) {
                return o.asText();
            }
        }
        throw new AssertionError("no wrong option in " + question);
    }

    static void assertOk(JsonNode reply) {
        if (!reply.path("ok").asBoolean()) {
            throw new AssertionError("expected ok, got " + reply);
        }
    }

    static void assertError(JsonNode reply, String code) {
        if (reply.path("ok").asBoolean() || !code.equals(reply.path("error").path("code").asText())) {
            throw new AssertionError("expected error " + code + ", got " + reply);
        }
    }
}
