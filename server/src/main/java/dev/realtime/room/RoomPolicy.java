package dev.realtime.room;

import dev.realtime.auth.Principal;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import java.util.List;

/**
 * Who may join and publish where, and which names are valid. Stateless and immutable.
 *
 * <ul>
 *   <li>Room names: 1..200 chars, no whitespace or control characters.</li>
 *   <li>{@code user:{id}}: only its owner may join, and nobody may leave their own.</li>
 *   <li>{@code admin} and {@code admin:*}: role {@code admin} only.</li>
 *   <li>{@code match:*}: only the match's players, as the quiz's {@link RoomGuard} says (refused to
 *       everyone when no guard is registered).</li>
 *   <li>rooms under a prefix with a {@link RoomGuard} ({@link #withGuard}): as the guard says.</li>
 *   <li>anonymous connections: only {@code global} and the configured public rooms.</li>
 *   <li>clients may not publish to {@code global} (server broadcasts only) nor use reserved event
 *       names ({@code system:*}, {@code admin:*}, {@code match:*}, {@code notification*},
 *       {@code auth:*}, {@code room:*}).</li>
 *   <li>per room prefix ({@link PrefixPolicies}, the route table's {@code policies}): whether clients
 *       may publish at all (built in: not in {@code video:*} and {@code chat:*}) and whether the room
 *       announces presence ({@link #presenceEvents}).</li>
 * </ul>
 */
public final class RoomPolicy {
    public static final String GLOBAL = "global";
    public static final String USER_PREFIX = "user:";
    public static final int MAX_ROOM_CHARS = 200;
    public static final int MAX_EVENT_CHARS = 100;
    private static final List<String> RESERVED_EVENT_PREFIXES =
            List.of("system:", "admin:", "match:", "notification", "auth:", "room:");

    private final List<String> publicRooms;
    private final java.util.Set<String> serverEvents;
    private final java.util.function.BiPredicate<String, String> routedEvents;
    private final PrefixPolicies prefixPolicies;
    /** Room prefix -> the feature's guard; immutable. */
    private final java.util.Map<String, RoomGuard> guards;

    /** @param publicRooms names anonymous users may join; an entry ending in {@code *} is a prefix */
    public RoomPolicy(List<String> publicRooms) {
        this(publicRooms, java.util.Set.of());
    }

    /**
     * @param serverEvents event names only the server delivers (the route table's), refused to
     *                     client publishes like the reserved prefixes
     */
    public RoomPolicy(List<String> publicRooms, java.util.Set<String> serverEvents) {
        this(publicRooms, serverEvents, (room, event) -> false, PrefixPolicies.BUILT_IN);
    }

    /**
     * @param routedEvents   whether the server can deliver {@code (room, event)} from a route whose event
     *                       name is a template: refused to client publishes in that room
     * @param prefixPolicies per-room settings by name or prefix (the route table's {@code policies})
     */
    public RoomPolicy(List<String> publicRooms, java.util.Set<String> serverEvents,
                      java.util.function.BiPredicate<String, String> routedEvents, PrefixPolicies prefixPolicies) {
        this(publicRooms, serverEvents, routedEvents, prefixPolicies, java.util.Map.of());
    }

    private RoomPolicy(List<String> publicRooms, java.util.Set<String> serverEvents,
                       java.util.function.BiPredicate<String, String> routedEvents, PrefixPolicies prefixPolicies,
                       java.util.Map<String, RoomGuard> guards) {
        this.publicRooms = List.copyOf(publicRooms);
        this.serverEvents = java.util.Set.copyOf(serverEvents);
        this.routedEvents = routedEvents;
        this.prefixPolicies = prefixPolicies;
        this.guards = java.util.Map.copyOf(guards);
    }

    /**
     * Whether {@code room} announces its users' first join and last leave
     * ({@code room:user_joined}/{@code room:user_left}); by room prefix, see {@link PrefixPolicies}.
     */
    public boolean presenceEvents(String room) {
        return prefixPolicies.presenceEvents(room);
    }

    /**
     * This policy plus {@code guard} deciding joins of the rooms starting with {@code prefix} (after
     * the anonymous, user-room and admin rules, which still apply).
     */
    public RoomPolicy withGuard(String prefix, RoomGuard guard) {
        java.util.Map<String, RoomGuard> more = new java.util.HashMap<>(guards);
        if (more.putIfAbsent(prefix, guard) != null) {
            throw new IllegalStateException("a guard for '" + prefix + "' is already registered");
        }
        return new RoomPolicy(publicRooms, serverEvents, routedEvents, prefixPolicies, more);
    }

    public static String userRoom(String userId) {
        return USER_PREFIX + userId;
    }

    /** {@code null} if valid, else why not. */
    public static ErrorInfo validateRoomName(String room) {
        if (room == null || room.isEmpty()) {
            return ErrorInfo.of(ErrorCode.INVALID_ROOM, "room name must not be empty");
        }
        if (room.length() > MAX_ROOM_CHARS) {
            return ErrorInfo.of(ErrorCode.INVALID_ROOM, "room name longer than " + MAX_ROOM_CHARS + " characters");
        }
        if (!plain(room)) {
            return ErrorInfo.of(ErrorCode.INVALID_ROOM, "room name contains whitespace or control characters");
        }
        return null;
    }

    /**
     * Names socket.io-client keeps for itself: an event named so makes it drop the connection ("parse
     * error"), so no event of any source may carry one (a room member could otherwise disconnect
     * every Socket.IO client of the room, again on each recovery of the event from history).
     */
    public static final java.util.Set<String> SOCKET_IO_RESERVED_EVENTS = java.util.Set.of("connect",
            "connect_error", "disconnect", "disconnecting", "newListener", "removeListener");

    /** {@code null} if valid, else why not. */
    public static ErrorInfo validateEventName(String event) {
        if (event == null || event.isEmpty() || event.length() > MAX_EVENT_CHARS || !plain(event)) {
            return ErrorInfo.of(ErrorCode.INVALID_EVENT,
                    "event name must be 1.." + MAX_EVENT_CHARS + " characters without whitespace");
        }
        if (SOCKET_IO_RESERVED_EVENTS.contains(event)) {
            return ErrorInfo.of(ErrorCode.INVALID_EVENT, "event name '" + event
                    + "' is reserved by Socket.IO clients (connect, connect_error, disconnect, disconnecting,"
                    + " newListener, removeListener)");
        }
        return null;
    }

    /** Whether {@code s} has no whitespace, space or control characters (names and ids). */
    public static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
                return false;
            }
        }
        return true;
    }

    public static boolean isReservedEvent(String event) {
        for (String prefix : RESERVED_EVENT_PREFIXES) {
            if (event.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** May {@code who} join {@code room}? {@code null} if yes. Assumes a valid name. */
    public ErrorInfo checkJoin(Principal who, String room) {
        if (who.anonymous()) {
            return GLOBAL.equals(room) || isPublic(room) ? null
                    : ErrorInfo.of(ErrorCode.FORBIDDEN, "anonymous connections may only join public rooms");
        }
        if (room.startsWith(USER_PREFIX)) {
            return room.equals(userRoom(who.userId())) ? null
                    : ErrorInfo.of(ErrorCode.FORBIDDEN, "cannot join another user's room");
        }
        if (room.equals("admin") || room.startsWith("admin:")) {
            return who.isAdmin() ? null : ErrorInfo.of(ErrorCode.FORBIDDEN, "admin rooms need the admin role");
        }
        for (java.util.Map.Entry<String, RoomGuard> g : guards.entrySet()) {
            if (room.startsWith(g.getKey())) {
                return g.getValue().checkJoin(who, room);
            }
        }
        if (room.startsWith("match:")) {
            return ErrorInfo.of(ErrorCode.FORBIDDEN, "match rooms are joined by the server for their players");
        }
        return null;
    }

    /**
     * Does {@code who} still hold {@code room}, joined under an earlier token (a refresh or an
     * upgrade from anonymous changed the principal)? {@code null} if yes. Every join rule that
     * depends on the token applies again; {@code match:*} rooms are granted per match by the server,
     * not by the token, and stay.
     */
    public ErrorInfo recheck(Principal who, String room) {
        if (room.startsWith("match:")) {
            return null;
        }
        return checkJoin(who, room);
    }

    /** May {@code who} leave {@code room}? {@code null} if yes. */
    public ErrorInfo checkLeave(Principal who, String room) {
        if (!who.anonymous() && room.equals(userRoom(who.userId()))) {
            return ErrorInfo.of(ErrorCode.FORBIDDEN, "cannot leave your own user room");
        }
        if (room.equals(GLOBAL)) {
            return ErrorInfo.of(ErrorCode.FORBIDDEN, "cannot leave global: every connection is in it");
        }
        return null;
    }

    /** May {@code who} publish {@code event} to {@code room}? Membership is checked by the shard. */
    public ErrorInfo checkPublish(Principal who, String room, String event) {
        if (isReservedEvent(event) || serverEvents.contains(event)) {
            return ErrorInfo.of(ErrorCode.FORBIDDEN, "event name '" + event + "' is reserved for the server");
        }
        if (GLOBAL.equals(room)) {
            return ErrorInfo.of(ErrorCode.FORBIDDEN, "only the server broadcasts to global");
        }
        if (routedEvents.test(room, event)) {
            return ErrorInfo.of(ErrorCode.FORBIDDEN, "event name '" + event + "' is reserved in this room: the server"
                    + " delivers it here from the route table");
        }
        if (!prefixPolicies.clientPublish(room)) {
            return ErrorInfo.of(ErrorCode.FORBIDDEN, "clients do not publish in " + room + ": use its emits "
                    + "(e.g. chat:message)");
        }
        return null;
    }

    private boolean isPublic(String room) {
        for (String p : publicRooms) {
            if (p.endsWith("*") ? room.startsWith(p.substring(0, p.length() - 1)) : p.equals(room)) {
                return true;
            }
        }
        return false;
    }
}
