package dev.realtime.room;

import dev.realtime.protocol.ServerMessage;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One room's membership. Members are grouped by event loop so a publish hands each loop one task.
 *
 * <p>Threading: owned by exactly one {@link RoomShard} thread; never touched elsewhere.
 */
final class Room {
    final String name;
    /** What the room's slow consumers get ({@link LoopOutbox#slowCode}), from its policy; carried by its deliveries. */
    final byte slowConsumer;
    private final Map<Subscriber, Member> members = new IdentityHashMap<>();
    private final Map<EventLoop, LoopGroup> groups = new HashMap<>(4);
    /** Members per encoding ({@link Subscriber#encoding()}); grown on demand. */
    private int[] byEncoding = new int[2];
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
        this(name, LoopOutbox.SLOW_NODE);
    }

    Room(String name, byte slowConsumer) {
        this.name = name;
        this.slowConsumer = slowConsumer;
    }

    int size() {
        return members.size() + (recovering == null ? 0 : recovering.size());
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /** A member, or one that is recovering (it may publish already). */
    boolean contains(Subscriber s) {
        return members.containsKey(s) || recovering != null && recovering.containsKey(s);
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

    /** Adds {@code s}; returns false if it was already a member. */
    boolean add(Subscriber s) {
        if (members.containsKey(s)) {
            return false;
        }
        LoopGroup group = groups.computeIfAbsent(s.outbox().loop(), l -> new LoopGroup(s.outbox()));
        Member m = new Member(s, group);
        group.add(m);
        members.put(s, m);
        if (s.encoding() >= byEncoding.length) {
            byEncoding = java.util.Arrays.copyOf(byEncoding, s.encoding() + 1);
        }
        byEncoding[s.encoding()]++;
        return true;
    }

    /** Removes {@code s} (also a recovering one); returns false if it was not a member. */
    boolean remove(Subscriber s) {
        if (floors != null && floors.remove(s) != null && floors.isEmpty()) {
            floors = null;
        }
        Member m = members.remove(s);
        if (m == null) {
            return dropRecovering(s);
        }
        m.group.remove(m);
        if (m.group.size() == 0) {
            groups.remove(s.outbox().loop());
        }
        byEncoding[s.encoding()]--;
        return true;
    }

    /** Whether some member speaks {@code encoding}. */
    boolean hasMembers(int encoding) {
        return encoding < byEncoding.length && byEncoding[encoding] > 0;
    }

    Iterable<LoopGroup> groups() {
        return groups.values();
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
        private Member[] members = new Member[4];
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
                members = java.util.Arrays.copyOf(members, size * 2);
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
