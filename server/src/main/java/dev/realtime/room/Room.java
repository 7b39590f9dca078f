package dev.realtime.room;

import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One room's membership. Members are grouped by event loop so a publish hands each loop one task.
 *
 * <p>Threading: owned by exactly one {@link RoomShard} thread; never touched elsewhere.
 */
final class Room {
    final String name;
    private final Map<Subscriber, Member> members = new IdentityHashMap<>();
    private final Map<EventLoop, LoopGroup> groups = new HashMap<>(4);
    private int binaryMembers;

    Room(String name) {
        this.name = name;
    }

    int size() {
        return members.size();
    }

    boolean isEmpty() {
        return members.isEmpty();
    }

    boolean contains(Subscriber s) {
        return members.containsKey(s);
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
        if (s.binary()) {
            binaryMembers++;
        }
        return true;
    }

    /** Removes {@code s}; returns false if it was not a member. */
    boolean remove(Subscriber s) {
        Member m = members.remove(s);
        if (m == null) {
            return false;
        }
        m.group.remove(m);
        if (m.group.size() == 0) {
            groups.remove(s.outbox().loop());
        }
        if (s.binary()) {
            binaryMembers--;
        }
        return true;
    }

    boolean hasBinaryMembers() {
        return binaryMembers > 0;
    }

    boolean hasJsonMembers() {
        return members.size() > binaryMembers;
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
