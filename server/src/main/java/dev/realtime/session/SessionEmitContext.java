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

    SessionEmitContext(Session session, ClientMessage.Emit emit) {
        this.session = session;
        this.emit = emit;
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

    @Override
    public void join(String room, java.util.function.Consumer<ErrorInfo> done) {
        onLoop(() -> {
            if (session.closing()) {
                done.accept(ErrorInfo.of(ErrorCode.UNAVAILABLE, "the connection is closing"));
                return;
            }
            Membership.join(session, room, null, (error, data) -> done.accept(error));
        });
    }

    @Override
    public void leave(String room, java.util.function.Consumer<ErrorInfo> done) {
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
