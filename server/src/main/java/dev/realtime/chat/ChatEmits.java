package dev.realtime.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.counts.RoomCounts;
import dev.realtime.emit.EmitContext;
import dev.realtime.emit.EmitData;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.emit.RoomEmits;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.server.Json;
import dev.realtime.typing.TypingEmit;
import dev.realtime.typing.TypingService;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Seed 004's live chat beside a video, in room {@code chat:{videoId}}:
 * <ul>
 *   <li>{@code chat:join} {@code {"videoId"}} (optionally {@code "since":{"epoch","offset"}} to
 *       replay what was missed, like {@code join} with {@code since}) and {@code chat:leave};</li>
 *   <li>{@code chat:message} {@code {"videoId","message"}}: everyone in the room, the sender too,
 *       gets {@code chat:message} {@code {"id","videoId","userId","message","timestamp"}} with an id and
 *       time given by the server; it is kept in the room history (with {@code offset}/{@code epoch}),
 *       so a client that reconnects, to any node, recovers it. Refused: blank ({@code invalid_message}),
 *       longer than {@code CHAT_MAX_LENGTH} ({@code too_large}), over the per-user rate
 *       ({@code rate_limited}), a blocked word ({@code content_blocked}), not joined ({@code not_in_room}),
 *       anonymous ({@code forbidden});</li>
 *   <li>{@code chat:typing} {@code {"videoId","isTyping"}} -> {@code chat:typing}
 *       {@code {"videoId","userId","isTyping"}} to the others (expires like {@code typing});</li>
 *   <li>{@code chat:user-count} {@code {"videoId","count"}}: connections in the chat, by {@link RoomCounts}.</li>
 * </ul>
 *
 * <p>Threading: handlers run on the caller's loop; the rate limiter is lock-free, the rest stateless.
 */
public final class ChatEmits {
    public static final String JOIN = "chat:join";
    public static final String LEAVE = "chat:leave";
    public static final String MESSAGE = "chat:message";
    public static final String TYPING = "chat:typing";
    public static final String ROOM_PREFIX = "chat:";
    /** The live number of connections in a chat room. */
    public static final RoomCounts.Counter USERS = new RoomCounts.Counter(ROOM_PREFIX, "chat:user-count", "videoId");

    private static final String ID_SHAPE = "{\"videoId\":\"123\"}";
    private static final String MESSAGE_SHAPE = "{\"videoId\":\"123\",\"message\":\"Hello!\"}";
    private static final String TYPING_SHAPE = "{\"videoId\":\"123\",\"isTyping\":true}";

    /** The {@code chat:typing} event. */
    static final TypingService.Style TYPING_STYLE = (room, userId, typing) -> new ServerMessage.Event(room, TYPING,
            Json.payload(Json.obj("videoId", room.substring(ROOM_PREFIX.length()), "userId", userId, "isTyping", typing)),
            null, null);

    /** Where chat messages go: a server-side publish into the room (history included). */
    @FunctionalInterface
    public interface Publisher {
        void publish(String room, ServerMessage.Event event, Consumer<ErrorCode> done);
    }

    /** Limits of the chat, from the configuration. */
    public record Limits(int maxLength, int ratePerWindow, long windowMs) {
    }

    private final Publisher publisher;
    private final TypingService typing;
    private final ChatFilter filter;
    private final Limits limits;
    private final ChatRateLimiter rate;

    private ChatEmits(Publisher publisher, TypingService typing, ChatFilter filter, Limits limits) {
        this.publisher = publisher;
        this.typing = typing;
        this.filter = filter;
        this.limits = limits;
        this.rate = new ChatRateLimiter(limits.ratePerWindow(), limits.windowMs());
    }

    public static void register(EmitRegistry emits, Publisher publisher, TypingService typing, ChatFilter filter,
                                Limits limits) {
        ChatEmits c = new ChatEmits(publisher, typing, filter, limits);
        emits.register(JOIN, c::join);
        emits.register(LEAVE, RoomEmits.leave(ROOM_PREFIX, "videoId", ID_SHAPE));
        emits.register(MESSAGE, c::message);
        emits.register(TYPING, c::typing);
    }

    private void join(EmitContext ctx) {
        try {
            EmitData d = EmitData.of(ctx, ID_SHAPE);
            String videoId = d.id("videoId");
            String room = ROOM_PREFIX + videoId;
            if (!d.has("since")) {
                RoomEmits.join(ROOM_PREFIX, "videoId", ID_SHAPE).handle(ctx);
                return;
            }
            JsonNode since = d.get("since");
            JsonNode epoch = since.get("epoch");
            JsonNode offset = since.get("offset");
            if (!since.isObject() || epoch == null || !epoch.isTextual() || offset == null || !offset.canConvertToLong()
                    || !offset.isIntegralNumber() || offset.asLong() < 0) {
                ctx.fail(ErrorCode.INVALID_MESSAGE, "data.since must be {\"epoch\":\"..\",\"offset\":41} from a "
                        + "chat:message event");
                return;
            }
            ctx.join(room, epoch.asText(), offset.asLong(), (error, joined) -> {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("videoId", videoId);
                if (joined != null) {
                    try {
                        Json.MAPPER.readTree(joined.bytes()).fields().forEachRemaining(f -> data.put(f.getKey(), f.getValue()));
                    } catch (java.io.IOException impossible) {
                        data.put("room", room);
                    }
                }
                RoomEmits.answer(ctx, error, data);
            });
        } catch (EmitData.Invalid e) {
            ctx.fail(e.error());
        }
    }

    /**
     * Whether {@code text} shows nothing: only whitespace, space separators (no-break and other
     * Unicode spaces, which {@link String#isBlank} lets through), format characters (zero-width
     * spaces and joiners, the BOM) and controls.
     */
    static boolean invisible(String text) {
        return text.codePoints().allMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c)
                || Character.isISOControl(c) || Character.getType(c) == Character.FORMAT || blankGlyph(c));
    }

    /** Characters drawn as nothing that are neither spaces nor format characters (Unicode's default ignorables, fillers). */
    private static boolean blankGlyph(int c) {
        return c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5 || (c >= 0x180B && c <= 0x180F)
                || c == 0x2800 || c == 0x3164 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFFA0 || (c >= 0xE0100 && c <= 0xE01EF);
    }

    /** Control characters other than line breaks and tabs (a terminal escape, a NUL) have no place in a chat line. */
    static boolean hasControl(String text) {
        return text.codePoints().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t');
    }

    private void message(EmitContext ctx) {
        try {
            EmitData d = EmitData.of(ctx, MESSAGE_SHAPE);
            String videoId = d.id("videoId");
            String message = d.text("message");
            String room = ROOM_PREFIX + videoId;
            if (!writer(ctx, room)) {
                return;
            }
            if (invisible(message)) {
                ctx.fail(ErrorCode.INVALID_MESSAGE, "data.message must not be empty");
                return;
            }
            if (hasControl(message)) {
                ctx.fail(ErrorCode.INVALID_MESSAGE, "data.message must not contain control characters (other than line breaks and tabs)");
                return;
            }
            if (message.length() > limits.maxLength()
                    && message.codePointCount(0, message.length()) > limits.maxLength()) {
                ctx.fail(ErrorCode.TOO_LARGE, "data.message is longer than " + limits.maxLength() + " characters");
                return;
            }
            String userId = ctx.principal().userId();
            long retryAfter = rate.acquire(userId, System.nanoTime());
            if (retryAfter > 0) {
                ctx.fail(ErrorInfo.rateLimited("too many chat messages: at most " + limits.ratePerWindow() + " per "
                        + limits.windowMs() + " ms", retryAfter));
                return;
            }
            if (filter.blocks(message)) {
                ctx.fail(ErrorCode.CONTENT_BLOCKED, "the message contains a blocked word");
                return;
            }
            String id = UUID.randomUUID().toString();
            long timestamp = System.currentTimeMillis();
            Payload data = Json.payload(Json.obj("id", id, "videoId", videoId, "userId", userId, "message", message,
                    "timestamp", timestamp));
            publisher.publish(room, new ServerMessage.Event(room, MESSAGE, data, null, null), error -> {
                if (error != null) {
                    ctx.fail(error, "the message could not be sent");
                } else {
                    ctx.reply(Json.payload(Json.obj("id", id, "timestamp", timestamp)));
                }
            });
        } catch (EmitData.Invalid e) {
            ctx.fail(e.error());
        }
    }

    /** Whether the sender may write in chat {@code room} (a user who joined it); fails the emit if not. */
    private static boolean writer(EmitContext ctx, String room) {
        if (ctx.principal().anonymous()) {
            ctx.fail(ErrorCode.FORBIDDEN, "anonymous connections may read the chat, not write to it");
            return false;
        }
        if (!ctx.rooms().contains(room)) {
            ctx.fail(ErrorCode.NOT_IN_ROOM, "send chat:join first");
            return false;
        }
        return true;
    }

    private void typing(EmitContext ctx) {
        try {
            EmitData d = EmitData.of(ctx, TYPING_SHAPE);
            String videoId = d.id("videoId");
            boolean isTyping = d.bool("isTyping");
            String room = ROOM_PREFIX + videoId;
            if (!writer(ctx, room)) {
                return;
            }
            TypingEmit.update(typing, TYPING_STYLE, ctx, room, isTyping);
        } catch (EmitData.Invalid e) {
            ctx.fail(e.error());
        }
    }
}
