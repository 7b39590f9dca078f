package dev.realtime.game;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.emit.EmitContext;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.server.Json;
import java.io.IOException;
import java.util.List;

/**
 * The quiz's {@code emit} handlers, registered by event name (the Socket.IO endpoint maps its event
 * names onto the same handlers): {@code matchmaking:join}, {@code matchmaking:leave},
 * {@code match:submitAnswer}. They check the input on the event loop and hand the work to the
 * {@link Matchmaker} or the {@link MatchLanes}; every bad input is answered with a specific code.
 * The user is always the connection's verified principal: a {@code userId} in the data is ignored.
 *
 * <p>Threading: stateless; runs on the caller's event loop.
 */
final class GameEmits {
    static final String JOIN = "matchmaking:join";
    static final String LEAVE = "matchmaking:leave";
    static final String SUBMIT = "match:submitAnswer";
    static final int MAX_ANSWER_CHARS = QuestionBank.MAX_OPTION;

    private final List<String> gameTypes;
    private final Matchmaker matchmaker;
    private final MatchLanes lanes;
    private final MatchDirectory directory;

    GameEmits(List<String> gameTypes, Matchmaker matchmaker, MatchLanes lanes, MatchDirectory directory) {
        this.gameTypes = gameTypes;
        this.matchmaker = matchmaker;
        this.lanes = lanes;
        this.directory = directory;
    }

    void register(EmitRegistry emits) {
        emits.register(JOIN, this::join);
        emits.register(LEAVE, this::leave);
        emits.register(SUBMIT, this::submit);
    }

    /** The user id, or null after failing the emit (anonymous connections do not play). */
    private static String player(EmitContext ctx) {
        if (ctx.principal() == null || ctx.principal().anonymous()) {
            ctx.fail(ErrorCode.FORBIDDEN, "sign in to play: anonymous connections cannot join matchmaking");
            return null;
        }
        return ctx.principal().userId();
    }

    private void join(EmitContext ctx) {
        String user = player(ctx);
        if (user == null) {
            return;
        }
        JsonNode data = json(ctx);
        // {"gameType":"1v1_rapid_quiz"} as the seed sends it; a bare "1v1_rapid_quiz" string is taken too.
        JsonNode type = data == null ? null : data.isTextual() ? data : data.get("gameType");
        if (type == null || !type.isTextual() || !gameTypes.contains(type.asText())) {
            ctx.fail(ErrorCode.INVALID_GAME_TYPE, (type == null ? "data.gameType is required"
                    : "unknown gameType " + shown(type)) + "; supported: " + gameTypes);
            return;
        }
        matchmaker.join(type.asText(), user, ctx.sid(), ctx);
    }

    private void leave(EmitContext ctx) {
        String user = player(ctx);
        if (user == null) {
            return;
        }
        JsonNode data = json(ctx);
        if (data != null && !data.isNull() && !data.isObject() && !data.isTextual()) {
            ctx.fail(ErrorCode.INVALID_GAME_TYPE, "data must be {\"gameType\": \"<type>\"}, or absent for every queue");
            return;
        }
        JsonNode type = data == null ? null : data.isTextual() ? data : data.get("gameType");
        if (type != null && !type.isNull() && (!type.isTextual() || !gameTypes.contains(type.asText()))) {
            ctx.fail(ErrorCode.INVALID_GAME_TYPE, "unknown gameType " + shown(type) + "; supported: " + gameTypes
                    + " (or none: every queue)");
            return;
        }
        matchmaker.leave(type == null || type.isNull() ? null : type.asText(), user, ctx);
    }

    /** A client's value in an error message: JSON text, cut at 64 characters (it may be huge). */
    private static String shown(JsonNode value) {
        String text = value.toString();
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    private void submit(EmitContext ctx) {
        String user = player(ctx);
        if (user == null) {
            return;
        }
        JsonNode data = json(ctx);
        if (data == null || !data.isObject()) {
            ctx.fail(ErrorCode.INVALID_ANSWER, "data must be {\"answer\": \"<option>\", \"timer\": <ms taken>}");
            return;
        }
        JsonNode answer = data.get("answer");
        // The seed's answers are the option texts; a number is taken as its text ("13" for 13).
        String text = answer == null ? null : answer.isTextual() ? answer.asText()
                : answer.isIntegralNumber() ? answer.asText() : null;
        if (text == null || text.length() > MAX_ANSWER_CHARS) {
            ctx.fail(ErrorCode.INVALID_ANSWER, "data.answer must be the chosen option's text (at most "
                    + MAX_ANSWER_CHARS + " characters)");
            return;
        }
        JsonNode timer = data.get("timer");
        if (timer == null || !timer.isNumber() || !Double.isFinite(timer.asDouble()) || timer.asDouble() < 0) {
            ctx.fail(ErrorCode.INVALID_ANSWER, "data.timer must be the milliseconds taken to answer, a number >= 0");
            return;
        }
        long ms = (long) Math.min(timer.asDouble(), Long.MAX_VALUE / 2);
        lanes.submit(user, directory.matchOf(user), gameTypes, text, ms, ctx);
    }

    /** The emit's data as JSON, or null when absent, binary or unparsable. */
    private static JsonNode json(EmitContext ctx) {
        if (ctx.data() == null || !ctx.data().isJson()) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(ctx.data().bytes());
        } catch (IOException e) {
            return null;
        }
    }
}
