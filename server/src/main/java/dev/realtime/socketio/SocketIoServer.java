package dev.realtime.socketio;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.room.RoomService;
import dev.realtime.server.GatewayContext;
import dev.realtime.store.KeyValueStore;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The Socket.IO v5 / Engine.IO v4 endpoint of one node: its settings, its room encoding, the live
 * Engine.IO sessions by id (polling requests and upgrades find theirs here), and the recovery
 * store. Built in two steps because rooms need the encoder before the context exists:
 * {@link #SocketIoServer(boolean)} then {@link #start}.
 *
 * <p>Threading: the session map is concurrent (requests on any loop look sessions up); everything
 * else is immutable after {@link #start}, which the node's owner thread calls before binding.
 */
public final class SocketIoServer implements AutoCloseable {
    private final SioEventEncoder encoder;
    private final ConcurrentMap<String, EngineSession> sessions = new ConcurrentHashMap<>();
    private GatewayContext ctx;
    private ObjectMapper mapper;
    private RecoveryStore recovery;
    private int encoding;
    private long maxPollHoldNanos;

    /** @param recovery whether connection-state recovery is on ({@code SOCKETIO_RECOVERY_MS} > 0) */
    public SocketIoServer(boolean recovery) {
        this.encoder = new SioEventEncoder(recovery);
    }

    /** The room encoding to register with the {@link RoomService}. */
    public SioEventEncoder encoder() {
        return encoder;
    }

    /** Wires the endpoint to the node; registers the seed emits that are not features' already. */
    public SocketIoServer start(GatewayContext ctx, KeyValueStore store, EmitRegistry emits) {
        this.ctx = ctx;
        this.mapper = SioPacket.mapper(ctx.config().maxJsonDepth());
        this.encoding = ctx.rooms().encodingOf(encoder);
        this.recovery = ctx.config().socketIoRecoveryMs() > 0
                ? new RecoveryStore(store, ctx.config().socketIoRecoveryMs(), ctx.config().nodeId()) : null;
        // A held GET is answered (noop) before the HTTP idle timeout could cut its connection.
        this.maxPollHoldNanos = TimeUnit.MILLISECONDS.toNanos(
                Math.min(ctx.config().pingIntervalMs(), Math.max(50, ctx.config().httpIdleTimeoutMs() / 2)));
        SeedEmits.register(emits, ctx.rooms());
        return this;
    }

    GatewayContext ctx() {
        return ctx;
    }

    ObjectMapper mapper() {
        return mapper;
    }

    /** The recovery store, or null when recovery is off. */
    RecoveryStore recovery() {
        return recovery;
    }

    int encoding() {
        return encoding;
    }

    long maxPollHoldNanos() {
        return maxPollHoldNanos;
    }

    /** Engine.IO's {@code maxPayload}: the largest message accepted, {@code WS_MAX_MESSAGE_BYTES}. */
    int maxPayload() {
        return ctx.config().maxMessageBytes();
    }

    ConcurrentMap<String, EngineSession> sessions() {
        return sessions;
    }

    /** Engine.IO sessions on this node (a polling one that closed keeps its id up to 10 s, for its last packets). */
    public int sessionCount() {
        return sessions.size();
    }

    /** A fresh 20-character id (Engine.IO sids, recovery pids). */
    static String newId() {
        byte[] bits = new byte[15];
        IDS.nextBytes(bits);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bits); // 20 characters, 120 bits
    }

    /**
     * Engine.IO session ids and recovery ids are credentials (whoever knows one can speak for the
     * session, or take over its rooms on reconnect), so they come from a cryptographic generator.
     * Thread-safe; its state is the generator's own, not ours.
     */
    private static final java.security.SecureRandom IDS = new java.security.SecureRandom();

    @Override
    public void close() {
        if (recovery != null) {
            recovery.close();
        }
    }
}
