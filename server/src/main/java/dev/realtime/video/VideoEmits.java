package dev.realtime.video;

import dev.realtime.counts.RoomCounts;
import dev.realtime.emit.EmitContext;
import dev.realtime.emit.EmitData;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.emit.RoomEmits;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomPolicy;
import dev.realtime.server.Json;
import dev.realtime.signal.RoomSignals;

/**
 * Seed 004's video events. {@code video:join}/{@code video:leave} {@code {"videoId":"123"}} join and
 * leave room {@code video:123}, where the route table's {@code video:view}, {@code video:like} and
 * {@code video:comment} arrive and where {@code video:viewers} {@code {"videoId","count"}} shows the
 * live number of connections watching ({@link #VIEWERS}, counted by {@link RoomCounts}).
 * {@code video:progress} {@code {"videoId","timestamp"}} (playback position in seconds) reaches the
 * same user's other connections, on any node, as {@code video:sync} (multi-device resume).
 *
 * <p>Threading: stateless; handlers run on the caller's loop.
 */
public final class VideoEmits {
    public static final String JOIN = "video:join";
    public static final String LEAVE = "video:leave";
    public static final String PROGRESS = "video:progress";
    public static final String SYNC = "video:sync";
    public static final String ROOM_PREFIX = "video:";
    /** The live viewer count of a video room. */
    public static final RoomCounts.Counter VIEWERS = new RoomCounts.Counter(ROOM_PREFIX, "video:viewers", "videoId");

    private static final String ID_SHAPE = "{\"videoId\":\"123\"}";
    private static final String PROGRESS_SHAPE = "{\"videoId\":\"123\",\"timestamp\":45.5}";

    private final RoomSignals signals;

    private VideoEmits(RoomSignals signals) {
        this.signals = signals;
    }

    public static void register(EmitRegistry emits, RoomSignals signals) {
        emits.register(JOIN, RoomEmits.join(ROOM_PREFIX, "videoId", ID_SHAPE));
        emits.register(LEAVE, RoomEmits.leave(ROOM_PREFIX, "videoId", ID_SHAPE));
        emits.register(PROGRESS, new VideoEmits(signals)::progress);
    }

    private void progress(EmitContext ctx) {
        try {
            EmitData d = EmitData.of(ctx, PROGRESS_SHAPE);
            String videoId = d.id("videoId");
            double position = d.number("timestamp", 0);
            if (ctx.principal().anonymous()) {
                ctx.fail(ErrorCode.FORBIDDEN, "anonymous connections have no other devices to sync");
                return;
            }
            String userRoom = RoomPolicy.userRoom(ctx.principal().userId());
            // The position as the client wrote it (45.5 stays 45.5, 45 stays 45).
            Object timestamp = d.get("timestamp").isIntegralNumber() ? (Object) d.get("timestamp").asLong() : position;
            signals.send(userRoom, new ServerMessage.Event(null, SYNC,
                    Json.payload(Json.obj("videoId", videoId, "timestamp", timestamp)), null, null),
                    RoomSignals.Except.connection(ctx.sid()));
            ctx.reply(null);
        } catch (EmitData.Invalid e) {
            ctx.fail(e.error());
        }
    }
}
