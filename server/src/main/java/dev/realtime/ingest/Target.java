package dev.realtime.ingest;

import dev.realtime.room.RoomPolicy;

/**
 * Who receives a routed delivery. Every target is ultimately one room: a user's devices are the
 * members of {@code user:{id}}, {@code global} holds every connection and {@code admin} the admins.
 * Events addressed to a user or to {@code global} carry no {@code room} field (SPEC); room and admin
 * deliveries do ({@link #carriesRoom()}).
 */
public sealed interface Target permits Target.Room, Target.User, Target.Global, Target.Admin {
    Global GLOBAL = new Global();
    Admin ADMIN = new Admin();

    /** The room to publish to. */
    String room();

    /** Whether the event frame names its room. */
    boolean carriesRoom();

    /** A room by name (after template expansion). */
    record Room(String name) implements Target {
        @Override
        public String room() {
            return name;
        }

        @Override
        public boolean carriesRoom() {
            return true;
        }
    }

    /** Every device of one user: room {@code user:{userId}}. */
    record User(String userId) implements Target {
        @Override
        public String room() {
            return RoomPolicy.userRoom(userId);
        }

        @Override
        public boolean carriesRoom() {
            return false;
        }
    }

    /** Every connection: room {@code global}. */
    record Global() implements Target {
        @Override
        public String room() {
            return RoomPolicy.GLOBAL;
        }

        @Override
        public boolean carriesRoom() {
            return false;
        }
    }

    /** The admins: room {@code admin} (role admin only, see {@link RoomPolicy}). */
    record Admin() implements Target {
        @Override
        public String room() {
            return "admin";
        }

        @Override
        public boolean carriesRoom() {
            return true;
        }
    }
}
