package dev.realtime.room;

import dev.realtime.protocol.ServerMessage;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One room's membership. Members are grouped by event loop so a publish hands each other loop one
 * task and writes to the members on its own loop at once.
 *
 * <p>Threading: owned by exactly one {@link RoomShard} thread (an I/O event loop by default, see
 * {@link RoomShard}); never touched elsewhere.
 */
final class Room {
    final String name;
    /** The room policy's {@code writeDelayMs}: how long deliveries may wait to be coalesced (0: none). */
    final int writeDelayMs;
    /** What the room's slow consumers get ({@link LoopOutbox#slowCode}), from its policy; carried by its deliveries. */
    final byte slowConsumer;
    /**
     * The only member of a one-member room (a user's own room, most of the time), kept without any of
     * the structures below, which exist only from the second member on: an idle connection's own
     * room costs a few dozen bytes instead of several hundred. Null otherwise.
     */
    private Subscriber solo;
    /** The structures of a room with two members or more; null before (see {@link #solo}). */
    private Many many;
    /** Members per encoding ({@link Subscriber#encoding()}); grown on demand. */
    /**
     * Members joining with {@code since}: until their replay is read they get no live events; the
     * events are kept here instead and handed over with the replay (see {@link RoomService#joinSince}).
     * Null while nobody recovers (the common case costs one null check per publish).
     */
    private Map<Subscriber, Recovery> recovering;

    /**
     * One recovering join: the events kept for it, and whether more arrived than could be kept. The
     * object is the join attempt's token: a stale attempt (the subscriber left and joined again
     * meanwhile) cannot finish a newer one.
     */
    static final class Recovery {
        final List<ServerMessage.Event> kept = new ArrayList<>();
        long keptBytes;
        boolean overflowed;
    }

    Room(String name) {
        this(name, 0, LoopOutbox.SLOW_NODE);
    }

    /**
     * @param writeDelayMs the room policy's {@code writeDelayMs}
     * @param slowConsumer the room policy's slow-consumer code ({@link LoopOutbox#slowCode})
     */
    Room(String name, int writeDelayMs, byte slowConsumer) {
        this.name = name;
        this.writeDelayMs = writeDelayMs;
        this.slowConsumer = slowConsumer;
    }

    int size() {
        return (solo != null ? 1 : many == null ? 0 : many.members.size()) + (recovering == null ? 0 : recovering.size());
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /** A member, or one that is recovering (it may publish already). */
    boolean contains(Subscriber s) {
        return isMember(s) || recovering != null && recovering.containsKey(s);
    }

    /** Whether {@code s} is joining with {@code since} (not yet a member). */
    boolean recovering(Subscriber s) {
        return recovering != null && recovering.containsKey(s);
    }

    /**
     * {@code s} joins but receives nothing until {@link #finishRecovering}: live events are kept for
     * it. Returns the attempt's token. {@code s} must not be in the room.
     */
    Recovery startRecovering(Subscriber s) {
        if (recovering == null) {
            recovering = new IdentityHashMap<>(4);
        }
        Recovery r = new Recovery();
        recovering.put(s, r);
        return r;
    }

    /** Ends the recovery {@code token} of {@code s}; false if it is no longer current (it left). */
    boolean finishRecovering(Subscriber s, Recovery token) {
        if (recovering == null || !recovering.remove(s, token)) {
            return false;
        }
        if (recovering.isEmpty()) {
            recovering = null;
        }
        return true;
    }

    private boolean dropRecovering(Subscriber s) {
        if (recovering == null || recovering.remove(s) == null) {
            return false;
        }
        if (recovering.isEmpty()) {
            recovering = null;
        }
        return true;
    }

    /** Keeps {@code event} for every recovering member {@code skip} (may be null) does not match, as the members got it. */
    void keepForRecovering(ServerMessage.Event event, Predicate<Subscriber> skip) {
        if (recovering != null) {
            long size = approximateBytes(event);
            for (Map.Entry<Subscriber, Recovery> e : recovering.entrySet()) {
                if (skip != null && skip.test(e.getKey())) {
                    continue; // left out of this event (e.g. its own user's room:user_joined, its typing)
                }
                Recovery r = e.getValue();
                if (!r.overflowed && r.kept.size() < MAX_KEPT && r.keptBytes + size <= MAX_KEPT_BYTES) {
                    r.kept.add(event);
                    r.keptBytes += size;
                } else {
                    r.overflowed = true; // the join answers recovered:false: the client reloads
                }
            }
        }
    }

    /** A recovery takes one store round trip; more live events than this meanwhile are not kept. */
    static final int MAX_KEPT = 10_000;
    /** Nor more bytes of them than this (they are replayed with the history, before the reply). */
    static final long MAX_KEPT_BYTES = 4L << 20;

    static long approximateBytes(ServerMessage.Event event) {
        return 64 + event.event().length() + (event.data() == null ? 0 : event.data().bytes().length);
    }

    /**
     * Members that just recovered up to a position: another node's event appended before the
     * history read (so replayed) can still be on its way over the bus. Such late events (offset at
     * or below the floor, same epoch) are not delivered to that member again; its first later event
     * lifts the floor. Events kept during the recovery need no floor: the bus brings each once.
     * Null when nobody has one.
     */
    private Map<Subscriber, Position> floors;

    private record Position(String epoch, long offset) {
    }

    /** After a recovery: do not deliver {@code s} events of {@code epoch} at or below {@code offset}. */
    void setFloor(Subscriber s, String epoch, long offset) {
        if (epoch == null) {
            return;
        }
        if (floors == null) {
            floors = new IdentityHashMap<>(4);
        }
        floors.put(s, new Position(epoch, offset));
    }

    /**
     * The subscribers of {@code g} that get {@code event}: the cached snapshot, or (only while some
     * member has a floor) the snapshot without those that already have it.
     */
    Subscriber[] recipients(LoopGroup g, ServerMessage.Event event) {
        Subscriber[] all = g.snapshot();
        if (floors == null || event.offset() == null) {
            return all;
        }
        List<Subscriber> out = null;
        for (int i = 0; i < all.length; i++) {
            Position floor = floors.get(all[i]);
            boolean skip = false;
            if (floor != null) {
                if (floor.epoch().equals(event.epoch()) && event.offset() <= floor.offset()) {
                    skip = true;
                } else {
                    floors.remove(all[i]); // caught up (or a new epoch): deliver normally from now on
                }
            }
            if (skip && out == null) {
                out = new ArrayList<>(java.util.Arrays.asList(all).subList(0, i));
            } else if (!skip && out != null) {
                out.add(all[i]);
            }
        }
        if (floors.isEmpty()) {
            floors = null;
        }
        return out == null ? all : out.toArray(Subscriber[]::new);
    }

    private boolean isMember(Subscriber s) {
        return s == solo || many != null && many.members.containsKey(s);
    }

    /** The only member while the room has exactly one (and no other structure); else null. */
    Subscriber solo() {
        return solo;
    }

    /**
     * Whether {@code s} gets {@code event}: false only while {@code s} has a floor at or above the
     * event's position (see {@link #setFloor}); for the {@link #solo} path.
     */
    boolean receives(Subscriber s, ServerMessage.Event event) {
        if (floors == null || event.offset() == null) {
            return true;
        }
        Position floor = floors.get(s);
        if (floor == null) {
            return true;
        }
        if (floor.epoch().equals(event.epoch()) && event.offset() <= floor.offset()) {
            return false;
        }
        floors.remove(s);
        if (floors.isEmpty()) {
            floors = null;
        }
        return true;
    }

    /** Adds {@code s}; returns false if it was already a member. */
    boolean add(Subscriber s) {
        if (isMember(s)) {
            return false;
        }
        if (solo == null && many == null) {
            solo = s;
            return true;
        }
        if (many == null) { // the second member: from now on the full structures
            many = new Many(Math.max(2, Math.max(solo.encoding(), s.encoding()) + 1));
            Subscriber first = solo;
            solo = null;
            addMember(first);
        }
        addMember(s);
        return true;
    }

    private void addMember(Subscriber s) {
        LoopGroup group = group(s.outbox());
        if (group == null) {
            group = new LoopGroup(s.outbox());
            many.groups.add(group);
        }
        Member m = new Member(s, group);
        group.add(m);
        many.members.put(s, m);
        if (s.encoding() >= many.byEncoding.length) {
            many.byEncoding = java.util.Arrays.copyOf(many.byEncoding, s.encoding() + 1);
        }
        many.byEncoding[s.encoding()]++;
    }

    /** Removes {@code s} (also a recovering one); returns false if it was not a member. */
    boolean remove(Subscriber s) {
        if (floors != null && floors.remove(s) != null && floors.isEmpty()) {
            floors = null;
        }
        if (s == solo) {
            solo = null;
            return true;
        }
        Member m = many == null ? null : many.members.remove(s);
        if (m == null) {
            return dropRecovering(s);
        }
        m.group.remove(m);
        if (m.group.size() == 0) {
            many.groups.remove(m.group);
        }
        many.byEncoding[s.encoding()]--;
        if (many.members.isEmpty()) { // back to nothing: the next member starts light again
            many = null;
        }
        return true;
    }

    /** Whether some member speaks {@code encoding}. */
    boolean hasMembers(int encoding) {
        if (solo != null) {
            return solo.encoding() == encoding;
        }
        return many != null && encoding < many.byEncoding.length && many.byEncoding[encoding] > 0;
    }

    /** The groups by event loop; index with {@link #groupCount()} (no iterator on the publish path). */
    LoopGroup group(int i) {
        return many.groups.get(i);
    }

    /** Loop groups of a room with the full structures (0 for an empty or {@link #solo} room). */
    int groupCount() {
        return many == null ? 0 : many.groups.size();
    }

    private LoopGroup group(LoopOutbox outbox) {
        ArrayList<LoopGroup> groups = many.groups;
        for (int i = 0, n = groups.size(); i < n; i++) {
            if (groups.get(i).outbox == outbox) {
                return groups.get(i);
            }
        }
        return null;
    }

    /** Membership of a room with two members or more. Shard-owned. */
    private static final class Many {
        final Map<Subscriber, Member> members = new IdentityHashMap<>(4);
        /** One group per event loop with members; few (at most the I/O threads), so a list. */
        final ArrayList<LoopGroup> groups = new ArrayList<>(2);
        /** Members per encoding ({@link Subscriber#encoding()}); grown on demand. */
        int[] byEncoding;

        Many(int encodings) {
            byEncoding = new int[encodings];
        }
    }

    /** A membership: the subscriber and where it sits in its loop group. Shard-owned. */
    static final class Member {
        final Subscriber subscriber;
        final LoopGroup group;
        int index;

        Member(Subscriber subscriber, LoopGroup group) {
            this.subscriber = subscriber;
            this.group = group;
        }
    }

    /**
     * The members of one room on one event loop, with a cached immutable snapshot handed to
     * deliveries; the snapshot is rebuilt lazily after membership changes, so a burst of joins costs
     * O(1) each and a steady room publishes without copying. Shard-owned.
     */
    static final class LoopGroup {
        final LoopOutbox outbox;
        private Member[] members = new Member[1];
        private int size;
        private Subscriber[] snapshot;

        LoopGroup(LoopOutbox outbox) {
            this.outbox = outbox;
        }

        int size() {
            return size;
        }

        void add(Member m) {
            if (size == members.length) {
                members = java.util.Arrays.copyOf(members, Math.max(4, size * 2));
            }
            m.index = size;
            members[size++] = m;
            snapshot = null;
        }

        void remove(Member m) {
            int last = --size;
            Member moved = members[last];
            members[m.index] = moved;
            moved.index = m.index;
            members[last] = null;
            snapshot = null;
        }

        Subscriber[] snapshot() {
            Subscriber[] s = snapshot;
            if (s == null) {
                s = new Subscriber[size];
                for (int i = 0; i < size; i++) {
                    s[i] = members[i].subscriber;
                }
                snapshot = s;
            }
            return s;
        }
    }
}
