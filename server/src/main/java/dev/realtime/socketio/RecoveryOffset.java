package dev.realtime.socketio;

/**
 * The offset string appended to stored events for connection-state recovery:
 * {@code <offset>~<epoch>~<room hash>}, a position in one room's history (the room named by a
 * 32-bit hash in base 36, resolved against the rooms the recovered session had). socket.io-client
 * keeps the last one it saw and sends it back on reconnect; anything else it sends is not ours.
 *
 * @param offset the event's offset in its room
 * @param epoch  the room history's epoch
 * @param roomHash the room's hash ({@link #hash})
 */
record RecoveryOffset(long offset, String epoch, String roomHash) {

    static String format(String room, String epoch, long offset) {
        return offset + "~" + epoch + "~" + hash(room);
    }

    static String hash(String room) {
        return Integer.toString(room.hashCode() & 0x7fffffff, 36);
    }

    /** Parses what a client sent back; {@code null} when it is not one of ours. */
    static RecoveryOffset parse(String s) {
        if (s == null || s.length() > 200) {
            return null;
        }
        int a = s.indexOf('~');
        int b = a < 0 ? -1 : s.indexOf('~', a + 1);
        if (a <= 0 || b < 0 || b == a + 1 || b == s.length() - 1) {
            return null;
        }
        try {
            long offset = Long.parseLong(s.substring(0, a));
            return offset < 0 ? null : new RecoveryOffset(offset, s.substring(a + 1, b), s.substring(b + 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
