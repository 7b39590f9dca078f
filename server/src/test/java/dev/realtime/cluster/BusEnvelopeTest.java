package dev.realtime.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The bus envelope (also the stored history layout): round trips and refusal of malformed bytes. */
class BusEnvelopeTest {

    private static BusEnvelope roundTrip(BusEnvelope e) {
        return BusEnvelope.decode(e.encode());
    }

    @Test
    void everyKindOfEventRoundTrips() {
        ServerMessage.Event json = new ServerMessage.Event("lobby", "chat:message", Payload.json("{\"a\":1}"), 42L, "ep1");
        BusEnvelope back = roundTrip(new BusEnvelope("node-a", "lobby", json));
        assertEquals("node-a", back.origin());
        assertEquals("lobby", back.room());
        assertEquals(json, back.event());

        ServerMessage.Event binary = new ServerMessage.Event(null, "blob", Payload.binary(new byte[] {0, 1, (byte) 255}), null, null);
        ServerMessage.Event b = roundTrip(new BusEnvelope("n", "user:u1", binary)).event();
        assertNull(b.room(), "user events do not show their room");
        assertFalse(b.data().isJson());
        assertArrayEquals(new byte[] {0, 1, (byte) 255}, b.data().bytes());
        assertNull(b.offset());

        ServerMessage.Event noData = new ServerMessage.Event("r", "ping", null, 7L, "e");
        assertEquals(noData, roundTrip(new BusEnvelope("n", "r", noData)).event());
    }

    @Test
    void malformedBytesAreRefusedNotTrusted() {
        byte[] good = new BusEnvelope("n", "r", new ServerMessage.Event("r", "e", Payload.json("1"), 3L, "x")).encode();
        assertThrows(IllegalArgumentException.class, () -> BusEnvelope.decode(new byte[0]));
        byte[] wrongVersion = good.clone();
        wrongVersion[0] = 9;
        assertThrows(IllegalArgumentException.class, () -> BusEnvelope.decode(wrongVersion));
        for (int cut = 1; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThrows(IllegalArgumentException.class, () -> BusEnvelope.decode(truncated), "cut at " + cut);
        }
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThrows(IllegalArgumentException.class, () -> BusEnvelope.decode(trailing));
    }

    @Test
    void theOriginIsReadWithoutDecodingThePayload() {
        byte[] mine = new BusEnvelope("node-a", "r", new ServerMessage.Event("r", "e", Payload.json("1"), null, null)).encode();
        assertTrue(BusEnvelope.isFrom(mine, "node-a"));
        assertFalse(BusEnvelope.isFrom(mine, "node-b"));
        assertFalse(BusEnvelope.isFrom(new byte[] {1}, "node-a"), "truncated: not ours");
        assertFalse(BusEnvelope.isFrom(new byte[0], "node-a"));
    }
}
