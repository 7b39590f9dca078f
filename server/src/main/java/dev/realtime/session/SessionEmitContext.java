package dev.realtime.session;

import dev.realtime.auth.Principal;
import dev.realtime.emit.EmitContext;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@link EmitContext} over a {@link Session}. Created on the event loop; its answer methods hop back
 * to the loop when called from elsewhere, so handlers may answer from any thread.
 */
final class SessionEmitContext implements EmitContext {
    private final Session session;
    private final ClientMessage.Emit emit;
    private final Principal principal;
    private final Set<String> rooms;
    private boolean answered; // loop-owned
    /** The handler joined or left a room for the connection: its answer waits only on a room shard (loop-owned). */
    private boolean roomOperation;

    /** Run once when the handler accepts the emit (answers ok), e.g. its Kafka forwarding; may be null. */
    private final Runnable onAccepted;

    SessionEmitContext(Session session, ClientMessage.Emit emit) {
        this(session, emit, null);
    }

    /** @param onAccepted run on the loop when the handler answers ok, never when it fails (may be null) */
    SessionEmitContext(Session session, ClientMessage.Emit emit, Runnable onAccepted) {
        this.session = session;
        this.emit = emit;
        this.onAccepted = onAccepted;
        this.principal = session.principal();
        this.rooms = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(session.rooms()));
    }

    @Override
    public Principal principal() {
        return principal;
    }

    @Override
    public String sid() {
        return session.sid();
    }

    @Override
    public String event() {
        return emit.event();
    }

    @Override
    public Payload data() {
        return emit.data();
    }

    @Override
    public Set<String> rooms() {
        return rooms;
    }

    @Override
    public void reply(Payload data) {
        onLoop(() -> {
            if (!answered) {
                answered = true;
                session.reply(emit.id(), data);
                if (onAccepted != null) {
                    onAccepted.run();
                }
            }
        });
    }

    @Override
    public void fail(ErrorCode code, String message) {
        onLoop(() -> {
            if (!answered) {
                answered = true;
                session.fail(emit.id(), code, message);
            }
        });
    }

    /**
     * Whether the handler has answered, or started a room operation whose completion will answer it
     * (called on the loop right after the handler returned).
     */
    boolean answeredOrOnRooms() {
        return answered || roomOperation;
    }

    /** Keeps every field of {@code error} ({@code retryAfterMs} of {@code rate_limited} included). */
    @Override
    public void fail(ErrorInfo error) {
        onLoop(() -> {
            if (!answered) {
                answered = true;
                session.fail(emit.id(), error);
            }
        });
    }

    @Override
    public void join(String room, java.util.function.Consumer<ErrorInfo> done) {
        roomOperation |= session.loop().inEventLoop();
        onLoop(() -> {
            if (session.closing()) {
                done.accept(ErrorInfo.of(ErrorCode.UNAVAILABLE, "the connection is closing"));
                return;
            }
            Membership.join(session, room, null, (error, data) -> done.accept(error));
        });
    }

    @Override
    public void join(String room, String epoch, long offset, java.util.function.BiConsumer<ErrorInfo, Payload> done) {
        roomOperation |= session.loop().inEventLoop();
        onLoop(() -> {
            if (session.closing()) {
                done.accept(ErrorInfo.of(ErrorCode.UNAVAILABLE, "the connection is closing"), null);
                return;
            }
            Membership.join(session, room, new ClientMessage.Since(epoch, offset), done);
        });
    }

    @Override
    public void leave(String room, java.util.function.Consumer<ErrorInfo> done) {
        roomOperation |= session.loop().inEventLoop();
        onLoop(() -> Membership.leave(session, room, (error, data) -> done.accept(error)));
    }

    @Override
    public void send(ServerMessage.Event event) {
        onLoop(() -> session.send(event));
    }

    @Override
    public void onLoop(Runnable r) {
        if (session.loop().inEventLoop()) {
            r.run();
        } else {
            session.loop().execute(r);
        }
    }
}
