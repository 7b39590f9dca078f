package dev.realtime.cluster;

/**
 * Node-to-node messages about one room that clients never see (viewer counts, transient events
 * with exclusions). A message goes to every <em>other</em> node that has local members in the room:
 * the same nodes that receive the room's events, over the same bus channel. Delivery is at most once
 * and in publish order per sending thread, like the bus itself.
 *
 * <p>Threading: {@link #send} never blocks and may be called from any thread; listeners are added
 * before the node starts and run on a bus thread, so they must hand work off at once.
 */
public interface PeerChannel {

    /** Receives the messages of one kind. */
    @FunctionalInterface
    interface Listener {
        /** {@code body} is what the sender passed; {@code origin} is the sending node's id. */
        void onPeerMessage(String room, String origin, byte[] body);
    }

    /** Sends {@code body} to the other nodes that have members in {@code room}. */
    void send(String room, String kind, byte[] body);

    /** Routes messages of {@code kind} to {@code listener}; one listener per kind, added at startup. */
    void listen(String kind, Listener listener);

    /** Whether other nodes can exist at all (false for a node that is alone). */
    boolean clustered();

    /** A node that is alone: nothing is sent, nothing arrives. */
    PeerChannel NONE = new PeerChannel() {
        @Override
        public void send(String room, String kind, byte[] body) {
        }

        @Override
        public void listen(String kind, Listener listener) {
        }

        @Override
        public boolean clustered() {
            return false;
        }
    };
}
