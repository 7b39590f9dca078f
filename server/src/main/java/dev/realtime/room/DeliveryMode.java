package dev.realtime.room;

import java.util.Locale;

/**
 * What a room keeps of its events, by room name or prefix (the {@code delivery} setting of the
 * route table's {@code policies}, see {@link PrefixPolicies}). Rooms that keep no history anyway
 * ({@code user:{id}}, {@code global}, every room with {@code ROOM_MESSAGE_HISTORY=0}) are not
 * changed by it.
 */
public enum DeliveryMode {
    /** Every event in the history, with {@code offset}/{@code epoch}; recovery replays each missed one. */
    STREAM,
    /**
     * Only the newest event of each event name is kept (a score board, a price, a status): a recovery
     * or a {@code history} read gets the newest value of each name published after the client's
     * offset, in offset order; events still carry {@code offset}/{@code epoch}.
     */
    LATEST,
    /**
     * Nothing kept: events carry no {@code offset}/{@code epoch}, a {@code join} with {@code since}
     * answers {@code recovered:false}, the {@code history} emit is refused, and a slow consumer's
     * deliveries of the room are dropped, never a reason to disconnect it.
     */
    VOLATILE;

    /** The name in the route table ({@code "stream"}, {@code "latest"}, {@code "volatile"}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named {@code name} in the route table, or null. */
    public static DeliveryMode fromWire(String name) {
        for (DeliveryMode m : values()) {
            if (m.wireName().equals(name)) {
                return m;
            }
        }
        return null;
    }
}
