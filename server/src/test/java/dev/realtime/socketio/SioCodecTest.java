package dev.realtime.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Socket.IO v5 packets both ways, Engine.IO polling payloads, recovery offsets, the mapping table. */
class SioCodecTest {
    private static final ObjectMapper MAPPER = SioPacket.mapper(32);
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static SioPacket decode(String engineMessage) throws SioPacket.Malformed {
        byte[] b = engineMessage.getBytes(StandardCharsets.UTF_8);
        return SioPacket.decode(b, 1, MAPPER); // after the Engine.IO type '4'
    }

    @Test
    void decodesTheWireFormsOfTheNotes() throws Exception {
        SioPacket connect = decode("40{\"token\":\"t\"}");
        assertEquals(SioPacket.CONNECT, connect.type());
        assertEquals("/", connect.nsp());
        assertEquals("t", connect.payload().get("token").asText());
        assertNull(decode("40").payload());
        SioPacket ns = decode("40/admin,{\"token\":\"t\"}");
        assertEquals("/admin", ns.nsp());
        SioPacket ev = decode("421[\"joinRoom\",\"r1\"]");
        assertEquals(SioPacket.EVENT, ev.type());
        assertEquals(1L, ev.ackId());
        assertEquals("joinRoom", ev.eventName());
        SioPacket nsAck = decode("42/admin,13[\"ev\"]");
        assertEquals("/admin", nsAck.nsp());
        assertEquals(13L, nsAck.ackId());
        SioPacket bin = decode("451-[\"baz\",{\"_placeholder\":true,\"num\":0}]");
        assertEquals(SioPacket.BINARY_EVENT, bin.type());
        assertEquals(1, bin.attachments());
        SioPacket binAck = decode("461-2[{\"_placeholder\":true,\"num\":0},\"tail\"]");
        assertEquals(SioPacket.BINARY_ACK, binAck.type());
        assertEquals(2L, binAck.ackId());
        assertEquals(SioPacket.DISCONNECT, decode("41").type());
        assertEquals(SioPacket.ACK, decode("430[\"answer\"]").type());
    }

    @Test
    void malformedPacketsAreRefused() {
        for (String bad : List.of("4", "4zzz", "47", "42", "42{\"a\":1}", "42[]", "42[\"connect\"]", "42[{}]",
                "42[\"ev\"", "45[\"ev\"]", "45x-[\"ev\"]", "4999-[\"ev\"]", "43[\"no id\"]", "44{\"message\":\"x\"}",
                "41{\"x\":1}", "40[1]", "421234567890123456[\"ev\"]", "42" + "[".repeat(100) + "]".repeat(100))) {
            assertThrows(SioPacket.Malformed.class, () -> decode(bad), bad);
        }
    }

    @Test
    void encodesEventsAcksAndConnectAsWebSocketFrames() {
        assertEquals("42[\"chat:message\",{\"text\":\"hi\"}]",
                texts(SioFrames.event(ALLOC, "chat:message", Payload.json("{\"text\":\"hi\"}"), null)).get(0));
        assertEquals("42[\"done\"]", texts(SioFrames.event(ALLOC, "done", null, null)).get(0));
        assertEquals("42[\"tick\",{\"seq\":1},\"5~e1~abc\"]",
                texts(SioFrames.event(ALLOC, "tick", Payload.json("{\"seq\":1}"), "5~e1~abc")).get(0));
        assertEquals("431[{\"ok\":true}]", texts(SioFrames.ack(ALLOC, 1, Payload.json("{\"ok\":true}"))).get(0));
        assertEquals("437[]", texts(SioFrames.ack(ALLOC, 7, null)).get(0));
        assertEquals("40{\"sid\":\"s\",\"pid\":\"p\"}", texts(SioFrames.connect(ALLOC, "s", "p")).get(0));
        assertEquals("44{\"message\":\"Authentication failed\",\"data\":{\"code\":\"unauthorized\"}}",
                texts(SioFrames.connectError(ALLOC, "/", "Authentication failed", "{\"code\":\"unauthorized\"}".getBytes())).get(0));
        assertEquals("44/admin,{\"message\":\"Invalid namespace\"}",
                texts(SioFrames.connectError(ALLOC, "/admin", "Invalid namespace", null)).get(0));
        assertEquals("42[\"q\\\"uote\"]", texts(SioFrames.event(ALLOC, "q\"uote", null, null)).get(0));
    }

    @Test
    void binaryPayloadsTravelAsAttachments() {
        ByteBuf framed = SioFrames.event(ALLOC, "blob", Payload.binary(new byte[] {1, 2, 3}), null);
        List<String> parts = new ArrayList<>();
        PollingQueue.unframe(framed, (binary, p) -> parts.add(binary ? "bin:" + ByteBufUtil.hexDump(p)
                : p.toString(StandardCharsets.UTF_8)));
        assertEquals(List.of("451-[\"blob\",{\"_placeholder\":true,\"num\":0}]", "bin:010203"), parts);
        // long-polling: the same packets, separated by 0x1e, the attachment as b + base64
        PollingQueue q = new PollingQueue();
        q.add(framed);
        q.add(SioFrames.engine(ALLOC, "2"));
        ByteBuf body = q.drain(ALLOC);
        assertEquals("451-[\"blob\",{\"_placeholder\":true,\"num\":0}]\u001ebAQID\u001e2", body.toString(StandardCharsets.UTF_8));
        body.release();
        ByteBuf ack = SioFrames.ack(ALLOC, 2, Payload.binary(new byte[] {9}));
        parts.clear();
        PollingQueue.unframe(ack, (binary, p) -> parts.add(binary ? "bin:" + ByteBufUtil.hexDump(p) : p.toString(StandardCharsets.UTF_8)));
        assertEquals(List.of("461-2[{\"_placeholder\":true,\"num\":0}]", "bin:09"), parts);
        ack.release();
    }

    @Test
    void largeFramesKeepTheirLength() {
        String big = "x".repeat(70_000);
        ByteBuf f = SioFrames.event(ALLOC, "big", Payload.json("\"" + big + "\""), null);
        assertEquals("42[\"big\",\"" + big + "\"]", texts(f).get(0));
    }

    @Test
    void roomEncoderAppendsTheRecoveryOffsetOnlyToStoredEvents() {
        SioEventEncoder on = new SioEventEncoder(true);
        String stored = texts(on.encode(new ServerMessage.Event("r", "ev", Payload.json("1"), 42L, "e1"), ALLOC)).get(0);
        assertEquals("42[\"ev\",1,\"" + RecoveryOffset.format("r", "e1", 42) + "\"]", stored);
        assertEquals("42[\"ev\",1]", texts(on.encode(new ServerMessage.Event(null, "ev", Payload.json("1"), null, null), ALLOC)).get(0));
        assertEquals("42[\"ev\",1]", texts(new SioEventEncoder(false).encode(
                new ServerMessage.Event("r", "ev", Payload.json("1"), 42L, "e1"), ALLOC)).get(0));
    }

    @Test
    void recoveryOffsetsRoundTripAndForeignStringsAreIgnored() {
        RecoveryOffset o = RecoveryOffset.parse(RecoveryOffset.format("game-lobby-1", "1x9k", 41));
        assertNotNull(o);
        assertEquals(41, o.offset());
        assertEquals("1x9k", o.epoch());
        assertEquals(RecoveryOffset.hash("game-lobby-1"), o.roomHash());
        for (String foreign : new String[] {null, "", "hello", "a~b~c", "1~~x", "~1~x", "-1~e~h", "1~e~"}) {
            assertNull(RecoveryOffset.parse(foreign), String.valueOf(foreign));
        }
    }

    @Test
    void writeTrackerKnowsEveryRoomsPositionAsOfTheClientsLastEvent() {
        WriteTracker t = new WriteTracker();
        t.add("a", "e", 1);
        t.add("b", "e", 10);
        t.add("a", "e", 2);
        t.add("b", "e", 11); // written, but the client only got as far as a:2
        var at = t.positionsAt(new RecoveryOffset(2, "e", "a"));
        assertEquals(2, at.get("a").offset());
        assertEquals(10, at.get("b").offset(), "b as of a:2, not the later b:11");
        assertNull(t.positionsAt(new RecoveryOffset(3, "e", "a")), "an offset never written is not ours");
        for (int i = 0; i < WriteTracker.RING + 5; i++) {
            t.add("c", "e", 100 + i);
        }
        assertNull(t.positionsAt(new RecoveryOffset(2, "e", "a")), "too far behind: unknown");
        WriteTracker copy = new WriteTracker();
        t.forEachWrite(copy::add);
        var last = copy.positionsAt(new RecoveryOffset(100 + WriteTracker.RING + 4, "e", "c"));
        assertEquals(11, last.get("b").offset(), "positions that left the ring survive a round trip");
    }

    @Test
    void offsetIsReadBackFromTheFrameTail() {
        ByteBuf f = new SioEventEncoder(true).encode(new ServerMessage.Event("r", "ev", Payload.json("{\"a\":\"x\"}"), 7L, "ep"), ALLOC);
        RecoveryOffset o = WriteTracker.offsetOf(f);
        f.release();
        assertEquals(7, o.offset());
        ByteBuf plain = SioFrames.event(ALLOC, "ev", Payload.json("\"not~an~offset\""), null);
        assertNull(WriteTracker.offsetOf(plain));
        plain.release();
    }

    @Test
    void mappingTableRoutesTheSeedVocabulary() {
        assertEquals(EventMapping.Op.JOIN, EventMapping.rule("joinRoom").op());
        assertEquals("room_joined", EventMapping.rule("join_room").successEvent());
        assertEquals("room:joined", EventMapping.rule("room:join").successEvent());
        assertEquals(EventMapping.Op.BROADCAST, EventMapping.rule("broadcastToRoom").op());
        assertEquals("typing", EventMapping.rule("user:typing").target());
        assertEquals(EventMapping.Op.AUTH, EventMapping.rule("auth:token_refresh").op());
        assertEquals(new EventMapping.Rule(EventMapping.Op.EMIT, "matchmaking:join", null), EventMapping.rule("matchmaking:join"));
        assertEquals("video:join", EventMapping.rule("video:join").target());
    }

    private static List<String> texts(ByteBuf framed) {
        List<String> out = new ArrayList<>();
        try {
            PollingQueue.unframe(framed, (binary, p) -> {
                if (!binary) {
                    out.add(p.toString(StandardCharsets.UTF_8));
                }
            });
        } finally {
            framed.release();
        }
        return out;
    }
}
