package dev.realtime.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.realtime.auth.AuthException;
import dev.realtime.auth.Principal;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomPolicy;
import dev.realtime.server.Json;
import dev.realtime.session.Session;
import dev.realtime.session.SessionHandler;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Socket.IO layer of one connection (namespace {@code /} only): CONNECT with auth (and
 * recovery), EVENTs mapped by {@link EventMapping} to the gateway's own client messages (executed by
 * the session's {@link SessionHandler}, with every limit and check of the native endpoint), acks,
 * binary attachments, DISCONNECT; and the way back: every {@link ServerMessage} the session sends
 * becomes the Socket.IO packet its client expects.
 *
 * <p>Each mapped event carries an internal request id; the session's answer to it (reply or pong)
 * is routed by a {@link Pending} entry: the client's ack (exactly one per ack id), a success event,
 * or an {@code error} event.
 *
 * <p>Threading: owned by the connection's event loop, like its {@link Session}.
 */
final class SioSocket {
    private final EngineSession engine;
    private final SocketIoServer server;
    private final Session session;
    private final SessionHandler handler;

    private enum State { WAITING, CONNECTING, CONNECTED, GONE }

    private State state = State.WAITING;
    /** A CONNECT was refused (connect_error sent): later pre-connect errors (the auth timeout) add no second one. */
    private boolean connectRefused;
    private long nextId = 1;
    private final Map<Long, Pending> pending = new HashMap<>();
    /** A binary packet waiting for its attachments, and those received so far. */
    private SioPacket partial;
    private List<byte[]> attachments;
    /** The private session id for recovery (null when recovery is off or the user is anonymous). */
    private String pid;
    private String socketId;
    /** A recovery in progress: joins still unanswered, and whether every one recovered. */
    private int rejoins;
    private boolean allRecovered = true;
    private ServerMessage.Connected heldConnected;
    /** Whether the session ended by a DISCONNECT (either side): nothing to keep for recovery. */
    private boolean disconnected;

    /** How the answer to one mapped event reaches the client. */
    private record Pending(Long ackId, String successEvent, EventMapping.Op op, String room,
                           java.util.function.BiConsumer<Boolean, Payload> internal) {
    }

    SioSocket(EngineSession engine, SocketIoServer server, Session session) {
        this.engine = engine;
        this.server = server;
        this.session = session;
        this.handler = new SessionHandler(session);
        this.socketId = session.sid();
    }

    boolean connected() {
        return state == State.CONNECTED;
    }

    /** One Engine.IO message (text), from {@code from} on. */
    void onText(byte[] text, int from) throws SioPacket.Malformed {
        if (partial != null) {
            throw new SioPacket.Malformed("text packet while binary attachments were expected");
        }
        SioPacket p = SioPacket.decode(text, from, server.mapper());
        if (p.attachments() > 0) {
            partial = p;
            attachments = new ArrayList<>(p.attachments());
            return;
        }
        onPacket(p, List.of());
    }

    /** One Engine.IO binary message: the next attachment of the pending binary packet. */
    void onBinary(byte[] data) throws SioPacket.Malformed {
        if (partial == null) {
            throw new SioPacket.Malformed("binary data without a binary packet");
        }
        attachments.add(data);
        if (attachments.size() == partial.attachments()) {
            SioPacket p = partial;
            List<byte[]> a = attachments;
            partial = null;
            attachments = null;
            onPacket(p, a);
        }
    }

    private void onPacket(SioPacket p, List<byte[]> att) throws SioPacket.Malformed {
        switch (p.type()) {
            case SioPacket.CONNECT -> connect(p);
            case SioPacket.DISCONNECT -> {
                if (!"/".equals(p.nsp())) {
                    return; // never connected there
                }
                disconnected = true;
                engine.closeNow("client namespace disconnect");
            }
            case SioPacket.EVENT, SioPacket.BINARY_EVENT -> {
                if (state != State.CONNECTED || !"/".equals(p.nsp())) {
                    // socket.io closes a connection that talks to a namespace it has not joined
                    throw new SioPacket.Malformed("event before CONNECT");
                }
                event(p, att);
            }
            default -> {
                // ACK / BINARY_ACK: the server never asks the client for acks; nothing waits for one
            }
        }
    }

    // ---- CONNECT ----

    private void connect(SioPacket p) throws SioPacket.Malformed {
        if (!"/".equals(p.nsp())) {
            engine.out(SioFrames.connectError(engine.alloc(), p.nsp(), "Invalid namespace", null));
            engine.flush();
            return;
        }
        if (state != State.WAITING) {
            throw new SioPacket.Malformed("second CONNECT");
        }
        JsonNode auth = p.payload() == null ? Json.MAPPER.createObjectNode() : p.payload();
        String token = auth.path("token").isTextual() ? auth.get("token").asText() : engine.handshakeToken();
        if (token != null && token.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = token.substring(7).trim();
        }
        Principal who;
        if (token == null || token.isEmpty()) {
            if (!server.ctx().config().allowAnonymous()) {
                server.ctx().metrics().authFailures.labels("missing").inc();
                refuse("No token provided", ErrorCode.UNAUTHORIZED, "no token in auth, Authorization header or query");
                return;
            }
            who = Principal.ANONYMOUS;
        } else {
            try {
                who = server.ctx().tokens().verify(token);
            } catch (AuthException e) {
                server.ctx().metrics().authFailures.labels(e.reason()).inc();
                refuse("Authentication failed", ErrorCode.UNAUTHORIZED, e.getMessage());
                return;
            }
        }
        state = State.CONNECTING;
        connectRefused = false; // this CONNECT gets its own answer
        String oldPid = auth.path("pid").isTextual() ? auth.get("pid").asText() : null;
        RecoveryOffset offset = RecoveryOffset.parse(auth.path("offset").isTextual() ? auth.get("offset").asText() : null);
        if (server.recovery() != null && oldPid != null && !who.anonymous()) {
            server.recovery().take(oldPid).thenAccept(record ->
                    engine.onLoop(() -> activate(who, oldPid, record, offset)));
        } else {
            activate(who, null, null, null);
        }
    }

    /** Activates the session; with a usable recovery record it rejoins the rooms from their positions. */
    private void activate(Principal who, String oldPid, RecoveryStore.Record record, RecoveryOffset offset) {
        if (state != State.CONNECTING || !engine.isActive()) {
            return;
        }
        Map<String, WriteTracker.Position> positions = null;
        if (record != null && who.userId().equals(record.userId())) {
            // No (or no readable) offset: where the client stood is unknown, so nothing is recovered
            // (as in socket.io; socket.io-client also keeps an event's trailing string as its offset).
            positions = offset != null ? record.writes().positionsAt(offset) : null;
            if (positions != null && offset != null) {
                positions.put(offset.roomHash(), new WriteTracker.Position(offset.epoch(), offset.offset()));
            }
        }
        if (server.recovery() != null && !who.anonymous()) {
            pid = positions != null ? oldPid : SocketIoServer.newId();
        }
        if (positions != null && record.socketId() != null) {
            socketId = record.socketId();
        }
        server.ctx().metrics().handshakes.labels(who.anonymous() ? "ok_anonymous" : "ok").inc();
        session.activate(who, null);
        if (positions == null || !session.authenticated()) {
            return;
        }
        // Recovery: rejoin from where the client was; CONNECT is answered when all have answered.
        for (String room : record.rooms()) {
            WriteTracker.Position at = positions.get(RecoveryOffset.hash(room));
            ClientMessage.Since since = at == null ? null : new ClientMessage.Since(at.epoch(), at.offset());
            rejoins++;
            long id = track(new Pending(null, null, EventMapping.Op.JOIN, room, (ok, data) -> rejoined(ok, data, at)));
            handler.handle(new ClientMessage.Join(id, room, since));
        }
    }

    private void rejoined(boolean ok, Payload data, WriteTracker.Position asked) {
        if (!ok || asked == null) {
            // Refused, or a room whose position is unknown (no event of it reached the client):
            // what it missed cannot be replayed, so the client must not believe it recovered.
            allRecovered = false;
        } else {
            try {
                allRecovered &= Json.MAPPER.readTree(data.bytes()).path("recovered").asBoolean(false);
            } catch (java.io.IOException e) {
                allRecovered = false;
            }
        }
        if (--rejoins == 0 && heldConnected != null) {
            ServerMessage.Connected c = heldConnected;
            heldConnected = null;
            answerConnect(c);
        }
    }

    private void refuse(String message, ErrorCode code, String reason) {
        connectRefused = true;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("code", code.code());
        data.put("reason", reason);
        engine.out(SioFrames.connectError(engine.alloc(), "/", message, Json.bytes(data)));
        engine.flush();
    }

    private void answerConnect(ServerMessage.Connected c) {
        if (state != State.CONNECTING) {
            return;
        }
        state = State.CONNECTED;
        String answeredPid = pid;
        if (!allRecovered && pid != null) {
            pid = SocketIoServer.newId(); // the client must not believe it recovered
            answeredPid = pid;
        }
        engine.out(SioFrames.connect(engine.alloc(), socketId, answeredPid));
        // The seeds' connection greetings (000 has none; 001, 002 and 003 each have their own).
        String now = Json.isoMillis(c.serverTime());
        Map<String, Object> connected = new LinkedHashMap<>();
        connected.put("socketId", socketId);
        connected.put("userId", c.userId());
        connected.put("isAnonymous", c.anonymous());
        connected.put("rooms", c.rooms());
        connected.put("serverTime", now);
        emitToClient("connected", Json.payload(connected));
        emitToClient("connection:success", Json.payload(Json.obj("socketId", socketId, "userId", c.userId(),
                "timestamp", now)));
        emitToClient("system:connected", Json.payload(Json.obj("userId", c.userId(), "timestamp", c.serverTime())));
        engine.flush();
    }

    // ---- EVENT ----

    private void event(SioPacket p, List<byte[]> att) {
        ArrayNode args = (ArrayNode) p.payload();
        String name = p.eventName();
        JsonNode arg = args.size() > 1 ? args.get(1) : null;
        EventMapping.Rule rule = EventMapping.rule(name);
        long id = track(new Pending(p.ackId(), rule.successEvent(), rule.op(), null, null));
        ClientMessage m;
        try {
            m = message(rule, id, arg, att);
        } catch (IllegalArgumentException e) {
            m = new ClientMessage.Invalid(id, ErrorInfo.of(ErrorCode.INVALID_MESSAGE, e.getMessage()));
        }
        handler.handle(m);
    }

    private ClientMessage message(EventMapping.Rule rule, long id, JsonNode arg, List<byte[]> att) {
        return switch (rule.op()) {
            case JOIN -> new ClientMessage.Join(id, room(arg), null);
            case LEAVE -> new ClientMessage.Leave(id, room(arg));
            case BROADCAST -> {
                if (arg == null || !arg.isObject() || !arg.path("room").isTextual() || !arg.path("event").isTextual()) {
                    throw new IllegalArgumentException("broadcastToRoom needs {room, event, payload}");
                }
                yield new ClientMessage.Publish(id, arg.get("room").asText(), arg.get("event").asText(),
                        payload(arg.get("payload"), att));
            }
            case GET_ROOMS -> new ClientMessage.Emit(id, "get_rooms", null);
            case PING -> new ClientMessage.Ping(id);
            case AUTH -> {
                JsonNode t = arg != null && arg.isObject() ? arg.get("token") : arg;
                if (t == null || !t.isTextual()) {
                    throw new IllegalArgumentException("a token string or {token} is needed");
                }
                yield new ClientMessage.Auth(id, t.asText());
            }
            case EMIT -> new ClientMessage.Emit(id, rule.target(), payload(arg, att));
        };
    }

    private static String room(JsonNode arg) {
        if (arg != null && arg.isTextual()) {
            return arg.asText();
        }
        if (arg != null && arg.isObject() && arg.path("room").isTextual()) {
            return arg.get("room").asText();
        }
        throw new IllegalArgumentException("expected a room name, or an object with a room string");
    }

    /**
     * The data argument as a payload: a binary attachment standing alone becomes raw bytes; an
     * attachment inside JSON becomes its base64 string (the gateway's payload is JSON or bytes).
     */
    private Payload payload(JsonNode node, List<byte[]> att) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (isPlaceholder(node)) {
            return Payload.binary(attachment(node, att));
        }
        if (!att.isEmpty()) {
            node = node.deepCopy();
            node = replacePlaceholders(node, att);
        }
        return Payload.json(Json.bytes(node));
    }

    private static boolean isPlaceholder(JsonNode n) {
        return n.isObject() && n.path("_placeholder").asBoolean(false) && n.path("num").isInt();
    }

    private static byte[] attachment(JsonNode placeholder, List<byte[]> att) {
        int num = placeholder.get("num").asInt();
        if (num < 0 || num >= att.size()) {
            throw new IllegalArgumentException("placeholder refers to a missing attachment");
        }
        return att.get(num);
    }

    private static JsonNode replacePlaceholders(JsonNode n, List<byte[]> att) {
        if (isPlaceholder(n)) {
            return TextNode.valueOf(Base64.getEncoder().encodeToString(attachment(n, att)));
        }
        if (n instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String f : names) {
                o.set(f, replacePlaceholders(o.get(f), att));
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, replacePlaceholders(a.get(i), att));
            }
        }
        return n;
    }

    private long track(Pending p) {
        long id = nextId++;
        pending.put(id, p);
        return id;
    }

    // ---- server -> client ----

    /** Turns one message the session sends into the packet(s) the Socket.IO client expects. */
    void send(ServerMessage m) {
        if (m instanceof ServerMessage.Event e) {
            engine.out(server.encoder().encode(e, engine.alloc()));
        } else if (m instanceof ServerMessage.Reply r) {
            Pending p = pending.remove(r.id());
            if (p != null) {
                answer(p, r.ok(), r.ok() ? r.data() : null, r.error());
            }
        } else if (m instanceof ServerMessage.Pong pong) {
            Pending p = pong.id() == null ? null : pending.remove(pong.id());
            if (p != null) {
                answer(p, true, Json.payload(Map.of("timestamp", System.currentTimeMillis())), null);
            }
        } else if (m instanceof ServerMessage.Error err) {
            error(err.error());
        } else if (m instanceof ServerMessage.Connected c) {
            if (rejoins > 0) {
                heldConnected = c; // answered once the recovering joins are
            } else {
                answerConnect(c);
            }
            return;
        }
        engine.flush();
    }

    private void answer(Pending p, boolean ok, Payload data, ErrorInfo error) {
        if (p.internal() != null) {
            p.internal().accept(ok, data);
            return;
        }
        if (ok) {
            Payload shown = data;
            if ((p.op() == EventMapping.Op.JOIN || p.op() == EventMapping.Op.LEAVE) && data != null) {
                shown = withTimestamp(data);
            }
            if (p.successEvent() != null) {
                emitToClient(p.successEvent(), shown);
            }
            if (p.ackId() != null) {
                engine.out(SioFrames.ack(engine.alloc(), p.ackId(), data));
            }
            return;
        }
        Map<String, Object> err = errorObject(error);
        if (p.ackId() != null) {
            engine.out(SioFrames.ack(engine.alloc(), p.ackId(), Json.payload(Map.of("error", err))));
        } else {
            emitToClient("error", Json.payload(err));
        }
    }

    private static Payload withTimestamp(Payload data) {
        try {
            JsonNode n = Json.MAPPER.readTree(data.bytes());
            if (n instanceof ObjectNode o) {
                o.put("timestamp", Json.isoMillis(System.currentTimeMillis()));
                return Payload.json(Json.bytes(o));
            }
        } catch (java.io.IOException e) {
            // keep as is
        }
        return data;
    }

    private void error(ErrorInfo error) {
        if (state != State.CONNECTED) {
            // Before CONNECT was answered, a refusal is a connect_error (e.g. too many connections),
            // one per refused CONNECT: the auth timeout that follows a refused one closes quietly.
            if (connectRefused) {
                return;
            }
            connectRefused = true;
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("code", error.code());
            data.put("reason", error.message());
            engine.out(SioFrames.connectError(engine.alloc(), "/", error.message(), Json.bytes(data)));
            return;
        }
        emitToClient("error", Json.payload(errorObject(error)));
        if (ErrorCode.RATE_LIMITED.code().equals(error.code())) {
            emitToClient("rate_limit_exceeded", Json.payload(Json.obj("message", error.message(),
                    "retryAfter", error.retryAfterMs())));
        }
    }

    private static Map<String, Object> errorObject(ErrorInfo e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", e == null ? ErrorCode.INTERNAL_ERROR.code() : e.code());
        m.put("message", e == null ? "internal error" : e.message());
        if (e != null && e.retryAfterMs() != null) {
            m.put("retryAfterMs", e.retryAfterMs());
        }
        return m;
    }

    private void emitToClient(String event, Payload data) {
        engine.out(SioFrames.event(engine.alloc(), event, data, null));
    }

    /** Whether the server is closing by choice (not the transport): then clients get DISCONNECT first. */
    void serverDisconnect() {
        if (state == State.CONNECTED) {
            disconnected = true;
            engine.out(SioFrames.disconnect(engine.alloc()));
        }
    }

    /**
     * The engine is gone: keep what recovery needs when the transport (not a DISCONNECT) ended a
     * connected session of a user.
     */
    void closed(WriteTracker writes) {
        State was = state;
        state = State.GONE;
        pending.clear();
        if (was != State.CONNECTED || disconnected || pid == null || server.recovery() == null
                || session.principal() == null || session.principal().anonymous()) {
            return;
        }
        List<String> rooms = new ArrayList<>();
        for (String r : session.rooms()) {
            if (!RoomPolicy.GLOBAL.equals(r) && !r.startsWith(RoomPolicy.USER_PREFIX)) {
                rooms.add(r);
            }
        }
        server.recovery().save(pid, new RecoveryStore.Record(session.principal().userId(), socketId, rooms, writes));
    }
}
