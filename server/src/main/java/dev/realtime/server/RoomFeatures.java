package dev.realtime.server;

import dev.realtime.admin.AdminEmits;
import dev.realtime.admin.NodeStats;
import dev.realtime.chat.ChatEmits;
import dev.realtime.chat.ChatFilter;
import dev.realtime.cluster.PeerChannel;
import dev.realtime.config.GatewayConfig;
import dev.realtime.config.RoomFeatureConfig;
import dev.realtime.counts.RoomCounts;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.presence.PresenceEvents;
import dev.realtime.presence.PresenceTracker;
import dev.realtime.room.RoomPolicy;
import dev.realtime.room.RoomService;
import dev.realtime.session.SessionListener;
import dev.realtime.signal.RoomSignals;
import dev.realtime.typing.TypingEmit;
import dev.realtime.typing.TypingService;
import dev.realtime.video.VideoEmits;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room features of the seeds, built together and wired to the rooms: presence events, typing,
 * video (viewers, multi-device sync), live chat and the admin channel. Each feature registers its
 * emit handlers by event name (so other transports reach the same handlers); the ones that follow
 * connections are in {@link #listener()}.
 *
 * <p>Threading: built and closed by the thread that starts the node; typing and counts own a thread
 * each ({@code rt-typing-<node>}, {@code rt-counts-<node>}), the rest is stateless.
 */
final class RoomFeatures implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RoomFeatures.class);

    private final TypingService typing;
    private final RoomCounts counts;
    private final SessionListener listener;

    /**
     * @param peers the cluster's node-to-node channel ({@link PeerChannel#NONE} for a node alone)
     */
    RoomFeatures(GatewayConfig config, RoomService rooms, RoomPolicy policy, PeerChannel peers,
                 PresenceTracker presence, NodeStats stats, EmitRegistry emits, GatewayMetrics metrics) {
        RoomFeatureConfig f = config.roomFeatures();
        RoomSignals signals = new RoomSignals(rooms, peers);
        presence.onRoomChanges(new PresenceEvents(policy, f.presenceEventsMaxMembers(), signals));
        typing = new TypingService(config.nodeId(), f.typingTimeoutMs(), f.typingMaxPerSecond(), signals, peers);
        counts = new RoomCounts(config.nodeId(), List.of(VideoEmits.VIEWERS, ChatEmits.USERS),
                (room, event) -> rooms.deliverLocally(room, event, "count"), peers,
                f.viewerCountIntervalMs(), Math.max(1_000, config.presenceTimeoutMs() / 3));
        metrics.gauge("realtime_room_counts_cpu_seconds", "CPU seconds spent counting room viewers and chat users "
                + "(the rt-counts thread)", counts::cpuSeconds);
        ChatFilter filter = f.chatBlockedWordsFile() == null ? ChatFilter.NONE
                : ChatFilter.load(Path.of(f.chatBlockedWordsFile()));
        if (filter != ChatFilter.NONE) {
            log.info("chat word filter: {} entries from {}", filter.size(), f.chatBlockedWordsFile());
        }
        TypingEmit.register(emits, typing);
        VideoEmits.register(emits, signals);
        ChatEmits.register(emits, (room, event, done) -> rooms.publish(null, room, event, "chat", done), typing, filter,
                new ChatEmits.Limits(f.chatMaxLength(), f.chatRateLimitMax(), f.chatRateLimitWindowMs()));
        AdminEmits.register(emits, stats::collect);
        listener = SessionListener.of(List.of(typing, counts));
    }

    /** What follows connections: typing (leave and disconnect end it) and room counts. */
    SessionListener listener() {
        return listener;
    }

    @Override
    public void close() {
        typing.close();
        counts.close();
    }
}
