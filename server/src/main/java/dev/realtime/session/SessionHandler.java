package dev.realtime.session;

import dev.realtime.auth.AuthException;
import dev.realtime.auth.Principal;
import dev.realtime.emit.EmitHandler;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.CloseCodes;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomPolicy;
import dev.realtime.server.GatewayContext;
import dev.realtime.server.Json;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes decoded client messages for one connection: rate limit, the auth gate, then
 * auth/join/leave/publish/emit/ping. Validation and permissions run here on the event loop; room
 * state changes run on the room's shard via {@code RoomService}.
 *
 * <p>Not final: the native endpoint's frame reader ({@code ws.WsReader}) is a session handler that
 * also reads the frames, so a connection holds one object for both.
 *
 * <p>Threading: one instance per channel, event-loop confined (state lives in {@link Session}).
 */
public class SessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

    private final Session session;

    public SessionHandler(Session session) {
        this.session = session;
    }

    /** The node's services (through the session: one field fewer per connection). */
    private GatewayContext ctx() {
        return session.context();
    }

    /** The session this handler executes messages for. */
    protected final Session session() {
        return session;
    }

    @Override
    public void channelRead(ChannelHandlerContext chc, Object msg) {
        if (!(msg instanceof ClientMessage m)) {
            chc.fireChannelRead(msg);
            return;
        }
        handle(m);
    }

    /**
     * Executes one client message (rate limit, auth gate, the operation), exactly as if it had
     * arrived on the native endpoint. For transports that decode their own wire format into
     * {@link ClientMessage}s (the Socket.IO endpoint). Event loop only.
     */
    public void handle(ClientMessage m) {
        if (session.closing() || session.deferUntilConnected(() -> handle(m))) {
            return;
        }
        ctx().metrics().messagesIn(m.op()).inc();
        if (m.id() != null) {
            session.expectAnswer(m.id()); // answers leave in the order the messages came
        }
        if (!admitByRate(m)) {
            return;
        }
        try {
            dispatch(m);
        } catch (RuntimeException e) {
            log.warn("failed to handle {} on {}", m.op(), session.sid(), e);
            session.fail(m.id(), ErrorCode.INTERNAL_ERROR, "internal error");
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext chc) {
        if (chc.channel().isWritable()) {
            session.drainHeld(); // a replay waiting for the client to read goes on
        }
        chc.fireChannelWritabilityChanged();
    }

    private boolean admitByRate(ClientMessage m) {
        return RateGate.admit(session, m.id());
    }

    private void dispatch(ClientMessage m) {
        if (!session.authenticated()) {
            if (m instanceof ClientMessage.Auth a) {
                firstAuth(a);
            } else {
                ctx().metrics().authFailures.labels("no_auth_frame").inc();
                String why = m instanceof ClientMessage.Invalid i ? i.error().message() : "the first message must be auth";
                refuseFirstFrame(m.id(), why);
            }
            return;
        }
        if (m instanceof ClientMessage.Publish p) {
            publish(p);
        } else if (m instanceof ClientMessage.Join j) {
            join(j);
        } else if (m instanceof ClientMessage.Leave l) {
            leave(l);
        } else if (m instanceof ClientMessage.Emit e) {
            emit(e);
        } else if (m instanceof ClientMessage.Ping p) {
            if (p.id() != null) {
                session.answer(p.id(), new ServerMessage.Pong(p.id()));
            } else {
                session.send(new ServerMessage.Pong(null));
            }
        } else if (m instanceof ClientMessage.Auth a) {
            reauth(a);
        } else if (m instanceof ClientMessage.Invalid i) {
            session.fail(i.id(), i.error());
        }
    }

    private void firstAuth(ClientMessage.Auth a) {
        try {
            Principal who = ctx().tokens().verify(a.token());
            ctx().metrics().handshakes.labels("ok_frame_auth").inc();
            session.activate(who, a.id());
        } catch (AuthException e) {
            ctx().metrics().authFailures.labels(e.reason()).inc();
            refuseFirstFrame(a.id(), e.getMessage());
        }
    }

    /**
     * A first frame that does not authenticate: the {@code error} that explains the close (as for
     * every close), a failed {@code reply} when the message had an id, then close 4401.
     */
    private void refuseFirstFrame(Long id, String why) {
        session.fail(null, ErrorCode.UNAUTHORIZED, why);
        if (id != null) {
            session.fail(id, ErrorCode.UNAUTHORIZED, why);
        }
        session.close(CloseCodes.UNAUTHORIZED, "unauthorized");
    }

    private void reauth(ClientMessage.Auth a) {
        Principal who;
        try {
            who = ctx().tokens().verify(a.token());
        } catch (AuthException e) {
            ctx().metrics().authFailures.labels(e.reason()).inc();
            session.fail(a.id(), ErrorCode.UNAUTHORIZED, e.getMessage());
            return;
        }
        Principal current = session.principal();
        if (current.anonymous()) {
            if (!session.upgradeFromAnonymous(who)) {
                session.fail(a.id(), ErrorCode.TOO_MANY_CONNECTIONS, "this user already has the maximum number of connections");
                return;
            }
        } else if (!current.userId().equals(who.userId())) {
            session.fail(a.id(), ErrorCode.FORBIDDEN, "token is for a different user");
            return;
        } else {
            session.refresh(who);
        }
        // A new principal: rooms the new token no longer grants are left (room:left) before the reply.
        Membership.recheck(session, () -> session.reply(a.id(), Session.userPayload(who)));
    }

    private void join(ClientMessage.Join j) {
        Membership.join(session, j.room(), j.since(), (error, data) -> answer(j.id(), error, data));
    }

    private void leave(ClientMessage.Leave l) {
        Membership.leave(session, l.room(), (error, data) -> answer(l.id(), error, data));
    }

    private void answer(Long id, ErrorInfo error, Payload data) {
        if (error == null) {
            session.reply(id, data);
        } else {
            session.fail(id, error);
        }
    }

    private void publish(ClientMessage.Publish p) {
        String room = p.room();
        ErrorInfo problem = RoomPolicy.validateRoomName(room);
        if (problem == null) {
            problem = RoomPolicy.validateEventName(p.event());
        }
        if (problem == null) {
            problem = ctx().policy().checkPublish(session.principal(), room, p.event());
        }
        if (problem != null) {
            session.fail(p.id(), problem);
            return;
        }
        if (!session.rooms().contains(room)) {
            session.fail(p.id(), ErrorCode.NOT_IN_ROOM, "join the room first");
            return;
        }
        ServerMessage.Event event = new ServerMessage.Event(room, p.event(), p.data(), null, null);
        ctx().rooms().publishStamped(session.subscriber(), room, event, "client", (error, stamped) -> {
            if (error == null) {
                session.reply(p.id(), position(stamped));
            } else {
                session.fail(p.id(), error, error == ErrorCode.UNAVAILABLE
                        ? "the server is overloaded, try again" : "join the room first");
            }
        });
    }

    /** A publish's reply data: where the event landed in the room's history, or nothing when it was not stamped. */
    private static Payload position(ServerMessage.Event stamped) {
        if (stamped == null || stamped.offset() == null) {
            return null;
        }
        java.util.Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("offset", stamped.offset());
        data.put("epoch", stamped.epoch());
        return Json.payload(data);
    }

    private void emit(ClientMessage.Emit e) {
        ErrorInfo problem = RoomPolicy.validateEventName(e.event());
        if (problem != null) {
            session.fail(e.id(), problem);
            return;
        }
        EmitHandler handler = ctx().emits().find(e.event());
        dev.realtime.ingest.EventForwarding forwarding = ctx().forwarding();
        if (handler == null) {
            if (forwarding != null && forwarding.forwardEmit(session, e.event(), e.data())) {
                session.reply(e.id(), null); // queued for Kafka: the route table's consumers handle it
            } else {
                session.fail(e.id(), ErrorCode.UNKNOWN_EVENT, "no handler for event '" + e.event() + "'");
            }
            return;
        }
        // With a handler, only what it accepts goes to Kafka: a chat message refused (not_in_room,
        // too_large, content_blocked...) must not reach consumers no client saw it reach.
        SessionEmitContext context = new SessionEmitContext(session, e,
                forwarding == null ? null : () -> forwarding.forwardEmit(session, e.event(), e.data()));
        handler.handle(context);
        if (e.id() != null && !context.answeredOrOnRooms()) {
            // The handler answers later, after a store or another service (history, presence, the inbox,
            // matchmaking...), possibly much later: its answer must not hold back the connection's others.
            session.detachAnswer(e.id());
        }
    }
}
