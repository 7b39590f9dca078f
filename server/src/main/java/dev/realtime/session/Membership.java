package dev.realtime.session;

import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.Payload;
import dev.realtime.room.RoomPolicy;
import dev.realtime.server.GatewayContext;
import dev.realtime.server.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Joining and leaving rooms for one connection, with every check a client {@code join}/{@code leave}
 * gets (room name, permissions, per-connection room limit, room capacity), whether the request came
 * as a protocol message or from an emit handler acting for the connection (e.g.
 * {@code notifications:subscribe}). A join with {@code since} replays the missed events first.
 *
 * <p>Threading: stateless; every method runs on the session's event loop and calls {@code done}
 * there, with the error or null and the reply data.
 */
final class Membership {
    private Membership() {
    }

    static void join(Session session, String room, ClientMessage.Since since, BiConsumer<ErrorInfo, Payload> done) {
        GatewayContext ctx = session.context();
        ErrorInfo problem = RoomPolicy.validateRoomName(room);
        if (problem == null) {
            problem = ctx.policy().checkJoin(session.principal(), room);
        }
        if (problem != null) {
            done.accept(problem, null);
            return;
        }
        if (session.rooms().contains(room)) {
            if (since == null) {
                done.accept(null, Json.payload(Map.of("room", room)));
                return;
            }
            ErrorInfo busy = session.replayRefusal();
            if (busy != null) {
                done.accept(busy, null);
                return;
            }
            // Already in: catch up from the client's position without leaving (see RoomService.recover).
            session.replayRead(true);
            ctx.rooms().recover(session.subscriber(), room, since.epoch(), since.offset(), (error, replay) -> {
                session.replayRead(false);
                if (error != null) {
                    done.accept(ErrorInfo.of(error, error == ErrorCode.NOT_IN_ROOM
                            ? "the connection's join of " + room + " did not complete" : "cannot join now"), null);
                    return;
                }
                session.replay(replay.events());
                done.accept(null, recovered(room, replay));
            });
            return;
        }
        if (session.rooms().size() >= ctx.config().maxRoomsPerConnection()) {
            done.accept(ErrorInfo.of(ErrorCode.TOO_MANY_ROOMS, "a connection may join at most "
                    + ctx.config().maxRoomsPerConnection() + " rooms"), null);
            return;
        }
        ErrorInfo busy = since == null ? null : session.replayRefusal();
        if (busy != null) {
            done.accept(busy, null);
            return;
        }
        session.rooms().add(room);
        Object attempt = session.beginJoin(room);
        if (since == null) {
            ctx.rooms().join(session.subscriber(), room, error -> {
                if (error == null) {
                    joined(session, room, attempt, Json.payload(Map.of("room", room)), done);
                } else {
                    refused(session, room, attempt, error, done);
                }
            });
            return;
        }
        session.replayRead(true);
        ctx.rooms().joinSince(session.subscriber(), room, since.epoch(), since.offset(), (error, replay) -> {
            session.replayRead(false);
            if (error != null) {
                refused(session, room, attempt, error, done);
                return;
            }
            session.replay(replay.events()); // queued and drained as the client reads: never dropped
            joined(session, room, attempt, recovered(room, replay), done);
        });
    }

    /** The reply data of a join with {@code since}. */
    private static Payload recovered(String room, dev.realtime.room.RoomJournal.Replay replay) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("room", room);
        data.put("recovered", replay.recovered());
        data.put("epoch", replay.epoch());
        data.put("offset", replay.head());
        data.put("replayed", replay.events().size());
        return Json.payload(data);
    }

    private static void joined(Session session, String room, Object attempt, Payload reply,
                               BiConsumer<ErrorInfo, Payload> done) {
        boolean current = session.endJoin(room, attempt);
        // Listeners first: whatever the client does after seeing the reply (a leave on another
        // device, say) then reaches them after this join, even when this thread stalls in between.
        if (current && !session.closing() && session.reportJoined(room)) {
            session.context().sessionListener().joined(session, room);
        }
        done.accept(null, reply);
    }

    /** A refused join; an overtaken one (the room was left, maybe joined again) leaves the newer state alone. */
    private static void refused(Session session, String room, Object attempt, ErrorCode error,
                                BiConsumer<ErrorInfo, Payload> done) {
        if (session.endJoin(room, attempt)) {
            session.rooms().remove(room);
        }
        done.accept(ErrorInfo.of(error, error == ErrorCode.ROOM_FULL ? "room is full" : "cannot join now"), null);
    }

    /** The event a connection gets when the server takes it out of a room. */
    static final String LEFT_EVENT = "room:left";

    /**
     * After the principal changed (token refresh, upgrade from anonymous): leaves every room the new
     * principal no longer grants ({@code RoomPolicy.recheck}), each followed, once the room's shard
     * applied it (so no later event of the room can follow), by a {@code room:left} event
     * {@code {"room":..,"reason":"revoked","message":..}}. Runs {@code done} on the loop when every
     * such leave completed (at once when nothing was revoked).
     */
    static void recheck(Session session, Runnable done) {
        GatewayContext ctx = session.context();
        java.util.List<String> revoked = new java.util.ArrayList<>();
        java.util.List<ErrorInfo> why = new java.util.ArrayList<>();
        for (String room : session.rooms()) {
            ErrorInfo problem = ctx.policy().recheck(session.principal(), room);
            if (problem != null) {
                revoked.add(room);
                why.add(problem);
            }
        }
        if (revoked.isEmpty()) {
            done.run();
            return;
        }
        int[] pending = {revoked.size()};
        for (int i = 0; i < revoked.size(); i++) {
            String room = revoked.get(i);
            String message = why.get(i).message();
            session.rooms().remove(room);
            session.cancelJoin(room);
            if (session.reportLeft(room)) {
                ctx.sessionListener().left(session, room);
            }
            ctx.rooms().leave(session.subscriber(), room, was -> {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("room", room);
                data.put("reason", "revoked");
                data.put("message", message);
                session.send(new dev.realtime.protocol.ServerMessage.Event(null, LEFT_EVENT, Json.payload(data), null, null));
                if (--pending[0] == 0) {
                    done.run();
                }
            });
        }
    }

    static void leave(Session session, String room, BiConsumer<ErrorInfo, Payload> done) {
        GatewayContext ctx = session.context();
        ErrorInfo problem = RoomPolicy.validateRoomName(room);
        if (problem == null) {
            problem = ctx.policy().checkLeave(session.principal(), room);
        }
        if (problem != null) {
            done.accept(problem, null);
            return;
        }
        if (!session.rooms().remove(room)) {
            done.accept(ErrorInfo.of(ErrorCode.NOT_IN_ROOM, "not a member of " + room), null);
            return;
        }
        session.cancelJoin(room);
        if (session.reportLeft(room)) {
            ctx.sessionListener().left(session, room);
        }
        ctx.rooms().leave(session.subscriber(), room, was -> done.accept(null, Json.payload(Map.of("room", room))));
    }
}
