package dev.realtime.room;

import dev.realtime.protocol.ServerMessage;

/**
 * What the room layer tells the world beyond this node: rooms opening and closing locally (so a
 * cluster bus can subscribe only where there are local members) and every accepted publish (so it
 * can forward it). All methods run on the room's shard thread and must not block.
 */
public interface RoomBridge {

    /** {@code room} got its first local member. */
    void opened(String room);

    /** {@code room} lost its last local member. */
    void closed(String room);

    /**
     * Completes once events other nodes publish to {@code room} reach this node (see
     * {@code Bus.subscribed}); at once for a node alone. May be called from any thread.
     */
    default java.util.concurrent.CompletableFuture<Void> subscribed(String room) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** An event was accepted for {@code room} (already delivered to the local members). */
    void published(String room, ServerMessage.Event event);

    /** The single-node bridge: nothing leaves the node. */
    RoomBridge LOCAL = new RoomBridge() {
        @Override
        public void opened(String room) {
        }

        @Override
        public void closed(String room) {
        }

        @Override
        public void published(String room, ServerMessage.Event event) {
        }
    };
}
