package dev.realtime.protocol;

import static dev.realtime.protocol.Frames.decodeClient;
import static dev.realtime.protocol.Frames.decodeServer;
import static dev.realtime.protocol.Frames.encodeClient;
import static dev.realtime.protocol.Frames.encodeServer;
import static dev.realtime.protocol.Frames.hex;
import static dev.realtime.protocol.Frames.only;
import static dev.realtime.protocol.Frames.unhex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BinaryCodecTest {
    private static final BinaryCodec CODEC = new BinaryCodec();
    private static final String NASTY = "q\"b\\s/\n\u0000 caf\u00e9 \u4e2d \uD83D\uDE00";

    static List<ClientMessage> clientMessages() {
        List<ClientMessage> all = new ArrayList<>();
        all.add(new ClientMessage.Auth(1L, "a.b.c"));
        all.add(new ClientMessage.Auth(null, NASTY));
        all.add(new ClientMessage.Auth(2L, ""));
        all.add(new ClientMessage.Join(2L, "game-lobby-1", null));
        all.add(new ClientMessage.Join(null, NASTY, null));
        all.add(new ClientMessage.Join(3L, "game-lobby-1", new ClientMessage.Since("e1", 41)));
        all.add(new ClientMessage.Join(null, "r", new ClientMessage.Since("", Long.MAX_VALUE)));
        all.add(new ClientMessage.Leave(3L, "game-lobby-1"));
        all.add(new ClientMessage.Leave(null, ""));
        all.add(new ClientMessage.Publish(4L, "r", "chat:message", Payload.json("{\"text\":\"hi\"}")));
        all.add(new ClientMessage.Publish(null, NASTY, NASTY, null));
        all.add(new ClientMessage.Publish(Long.MAX_VALUE, "r", "blob", Payload.binary(new byte[] {0, 1, 2, (byte) 0xFF})));
        all.add(new ClientMessage.Publish(9L, "r", "empty", Payload.binary(new byte[0])));
        all.add(new ClientMessage.Publish(10L, "r", "s", Payload.json("\"caf\u00e9\"")));
        all.add(new ClientMessage.Emit(5L, "matchmaking:join", Payload.json("{\"gameType\":\"1v1_rapid_quiz\"}")));
        all.add(new ClientMessage.Emit(null, "get_rooms", null));
        all.add(new ClientMessage.Emit(0L, "bytes", Payload.binary(new byte[300])));
        all.add(new ClientMessage.Ping(6L));
        all.add(new ClientMessage.Ping(null));
        all.add(new ClientMessage.Ping(0L));
        return all;
    }

    static List<ServerMessage> serverMessages() {
        List<ServerMessage> all = new ArrayList<>();
        all.add(new ServerMessage.Connected("s1", "u1", false, List.of("user:u1", "global"), 1700000000000L, 25000));
        all.add(new ServerMessage.Connected("s2", null, true, List.of("global"), 0, 0));
        all.add(new ServerMessage.Connected("s3", "u3", true, List.of(), -1L, Long.MAX_VALUE));
        all.add(new ServerMessage.Connected(NASTY, NASTY, false, List.of(NASTY, ""), Long.MIN_VALUE, 1));
        all.add(new ServerMessage.Event("game-lobby-1", "chat:message", Payload.json("{\"text\":\"hi\"}"), 42L, "e1"));
        all.add(new ServerMessage.Event(null, "notification:new", Payload.json("{\"id\":\"n1\"}"), null, null));
        all.add(new ServerMessage.Event("r", "no-data", null, null, null));
        all.add(new ServerMessage.Event(null, "no-data-position", null, 0L, ""));
        all.add(new ServerMessage.Event(NASTY, NASTY, Payload.binary(new byte[] {(byte) 0x80, 0, (byte) 0xFF}), Long.MAX_VALUE, NASTY));
        all.add(ServerMessage.Reply.ok(4, Payload.json("{\"offset\":42}")));
        all.add(ServerMessage.Reply.ok(0, null));
        all.add(ServerMessage.Reply.ok(Long.MAX_VALUE, Payload.binary(new byte[] {1})));
        all.add(ServerMessage.Reply.error(4, ErrorInfo.of(ErrorCode.NOT_IN_ROOM, "join the room first")));
        all.add(ServerMessage.Reply.error(5, ErrorInfo.rateLimited(NASTY, 0)));
        all.add(new ServerMessage.Error(ErrorInfo.rateLimited("too many messages", 1200)));
        all.add(new ServerMessage.Error(new ErrorInfo("some_future_code", "", null)));
        all.add(new ServerMessage.Pong(6L));
        all.add(new ServerMessage.Pong(null));
        return all;
    }

    @Test
    void codecIdentity() {
        assertEquals("rt.binary.v1", CODEC.subprotocol());
        assertEquals(BinaryCodec.SUBPROTOCOL, CODEC.subprotocol());
        assertTrue(CODEC.binaryFrames());
    }

    @Test
    void everyClientMessageRoundTrips() {
        for (ClientMessage m : clientMessages()) {
            byte[] frame = encodeClient(CODEC, m);
            assertEquals(m, only(decodeClient(CODEC, frame)), () -> m + " as " + hex(frame));
        }
    }

    @Test
    void everyServerMessageRoundTrips() {
        for (ServerMessage m : serverMessages()) {
            byte[] frame = encodeServer(CODEC, m);
            assertEquals(m, only(decodeServer(CODEC, frame)), () -> m + " as " + hex(frame));
        }
    }

    @Test
    void anonymousConnectedWithoutUserIdIsEncodable() {
        ServerMessage.Connected anon = new ServerMessage.Connected("s", null, true, List.of("global"), 5, 6);
        byte[] frame = encodeServer(CODEC, anon);
        assertEquals("8101" + "0173" + "01" + "06676c6f62616c" + "0000000000000005" + "06", hex(frame));
        assertNull(((ServerMessage.Connected) only(decodeServer(CODEC, frame))).userId());
    }

    @Test
    void eventPositionNeedsBothOffsetAndEpoch() {
        ServerMessage.Event onlyOffset = new ServerMessage.Event("r", "e", null, 5L, null);
        assertEquals(new ServerMessage.Event("r", "e", null, null, null), only(decodeServer(CODEC, encodeServer(CODEC, onlyOffset))));
    }

    @Test
    void clientBatchesAreMessagesBackToBack() {
        List<ClientMessage> all = clientMessages();
        byte[] frame = encodeClient(CODEC, all.toArray(new ClientMessage[0]));
        assertEquals(all, decodeClient(CODEC, frame));
    }

    @Test
    void serverBatchesAreMessagesBackToBack() {
        List<ServerMessage> all = serverMessages();
        byte[] frame = encodeServer(CODEC, all.toArray(new ServerMessage[0]));
        assertEquals(all, decodeServer(CODEC, frame));
    }

    @Test
    void batchLimit() {
        BinaryCodec small = new BinaryCodec(3);
        ClientMessage ping = new ClientMessage.Ping(1L);
        assertEquals(3, decodeClient(small, encodeClient(small, ping, ping, ping)).size());
        ClientMessage.Invalid tooMany = assertInstanceOf(ClientMessage.Invalid.class,
                only(decodeClient(small, encodeClient(small, ping, ping, ping, ping))));
        assertEquals(ErrorCode.TOO_LARGE.code(), tooMany.error().code());

        ClientMessage[] hundred = new ClientMessage[100];
        Arrays.fill(hundred, new ClientMessage.Ping(null));
        assertEquals(100, decodeClient(CODEC, encodeClient(CODEC, hundred)).size());
        byte[] over = new byte[2 * 101];
        for (int i = 0; i < over.length; i += 2) {
            over[i] = 0x06;
        }
        assertInvalid(only(decodeClient(CODEC, over)), null, ErrorCode.TOO_LARGE);
    }

    @Test
    void decodesFrameAtNonZeroReaderIndex() {
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeBytes(new byte[] {(byte) 0xEE, (byte) 0xEE, 0x06, 0x01, 0x2A});
            buf.readerIndex(2);
            assertEquals(List.of(new ClientMessage.Ping(42L)), CODEC.decodeClient(buf));
            assertEquals(2, buf.readerIndex());
            assertEquals(1, buf.refCnt());
        } finally {
            assertTrue(buf.release());
        }
    }

    // ---- varints ----

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 127, 128, 255, 300, 16383, 16384, 2097151, 2097152, Integer.MAX_VALUE,
            1L << 56, (1L << 56) - 1, Long.MAX_VALUE - 1, Long.MAX_VALUE})
    void varintRoundTrips(long value) {
        ByteBuf buf = Unpooled.buffer();
        try {
            BinaryCodec.varint(buf, value);
            int expectedLength = value == 0 ? 1 : (64 - Long.numberOfLeadingZeros(value) + 6) / 7;
            assertEquals(expectedLength, buf.readableBytes());
            assertEquals(value, BinaryCodec.varint(buf));
            assertFalse(buf.isReadable());
        } finally {
            assertTrue(buf.release());
        }
        ClientMessage ping = new ClientMessage.Ping(value);
        assertEquals(ping, only(decodeClient(CODEC, encodeClient(CODEC, ping))));
        ServerMessage reply = ServerMessage.Reply.ok(value, null);
        assertEquals(reply, only(decodeServer(CODEC, encodeServer(CODEC, reply))));
    }

    @Test
    void varintBytesAreUnsignedLeb128() {
        assertEquals("00", varintHex(0));
        assertEquals("7f", varintHex(127));
        assertEquals("8001", varintHex(128));
        assertEquals("ac02", varintHex(300));
        assertEquals("ff7f", varintHex(16383));
        assertEquals("808001", varintHex(16384));
        assertEquals("a8c301", varintHex(25000));
        assertEquals("ffffffffffffffff7f", varintHex(Long.MAX_VALUE));
    }

    @Test
    void negativeVarintsAreRefusedOnEncode() {
        ByteBuf buf = Unpooled.buffer();
        try {
            assertThrows(IllegalArgumentException.class, () -> BinaryCodec.varint(buf, -1));
            assertThrows(IllegalArgumentException.class, () -> BinaryCodec.varint(buf, Long.MIN_VALUE));
        } finally {
            assertTrue(buf.release());
        }
    }

    private static String varintHex(long v) {
        ByteBuf buf = Unpooled.buffer();
        try {
            BinaryCodec.varint(buf, v);
            return ByteBufUtil.hexDump(buf);
        } finally {
            assertTrue(buf.release());
        }
    }

    @Test
    void overlongVarints() {
        // ten bytes: longer than any unsigned 63-bit value needs
        byte[] tenByteId = unhex("0601" + "80808080808080808001");
        assertInvalid(only(decodeClient(CODEC, tenByteId)), null, ErrorCode.INVALID_MESSAGE);
        byte[] endless = unhex("0601" + "ff".repeat(40));
        assertInvalid(only(decodeClient(CODEC, endless)), null, ErrorCode.INVALID_MESSAGE);
        assertEquals(ErrorCode.INVALID_MESSAGE,
                assertThrows(ProtocolException.class, () -> decodeServer(CODEC, unhex("8501" + "80808080808080808001"))).code());
        assertThrows(ProtocolException.class, () -> decodeServer(CODEC, unhex("8300" + "ff".repeat(40))));
    }

    // ---- bad frames: Invalid on the server side, ProtocolException on the client side ----

    @Test
    void emptyFrame() {
        assertInvalid(only(decodeClient(CODEC, new byte[0])), null, ErrorCode.INVALID_MESSAGE);
        assertEquals(List.of(), decodeServer(CODEC, new byte[0]));
    }

    @Test
    void everyTruncationOfEveryClientMessageIsInvalid() {
        for (ClientMessage m : clientMessages()) {
            byte[] frame = encodeClient(CODEC, m);
            for (int len = 1; len < frame.length; len++) {
                byte[] cut = Arrays.copyOf(frame, len);
                List<ClientMessage> out = decodeClient(CODEC, cut);
                ClientMessage.Invalid invalid = assertInstanceOf(ClientMessage.Invalid.class, only(out), m + " cut at " + len);
                assertEquals(ErrorCode.INVALID_MESSAGE.code(), invalid.error().code());
            }
        }
    }

    @Test
    void everyTruncationOfEveryServerMessageThrowsProtocolException() {
        for (ServerMessage m : serverMessages()) {
            byte[] frame = encodeServer(CODEC, m);
            for (int len = 1; len < frame.length; len++) {
                byte[] cut = Arrays.copyOf(frame, len);
                ProtocolException e = assertThrows(ProtocolException.class, () -> decodeServer(CODEC, cut), m + " cut at " + len);
                assertEquals(ErrorCode.INVALID_MESSAGE, e.code());
            }
        }
    }

    @Test
    void aTruncatedMessageKeepsItsIdOnceRead() {
        byte[] frame = encodeClient(CODEC, new ClientMessage.Publish(7L, "room", "event", Payload.json("{}")));
        assertInvalid(only(decodeClient(CODEC, Arrays.copyOf(frame, 3))), 7L, ErrorCode.INVALID_MESSAGE);
        assertInvalid(only(decodeClient(CODEC, Arrays.copyOf(frame, frame.length - 1))), 7L, ErrorCode.INVALID_MESSAGE);
        // id itself cut: no id to report
        byte[] bigId = encodeClient(CODEC, new ClientMessage.Ping(300L));
        assertInvalid(only(decodeClient(CODEC, Arrays.copyOf(bigId, 3))), null, ErrorCode.INVALID_MESSAGE);
    }

    @Test
    void goodMessagesBeforeABadOneAreKept() {
        byte[] good = encodeClient(CODEC, new ClientMessage.Ping(1L), new ClientMessage.Leave(2L, "r"));
        byte[] frame = Arrays.copyOf(good, good.length + 3);
        frame[good.length] = 0x05; // emit
        frame[good.length + 1] = 0x01; // with id
        frame[good.length + 2] = 0x09; // id 9, then nothing
        List<ClientMessage> out = decodeClient(CODEC, frame);
        assertEquals(3, out.size());
        assertEquals(new ClientMessage.Ping(1L), out.get(0));
        assertEquals(new ClientMessage.Leave(2L, "r"), out.get(1));
        assertInvalid(out.get(2), 9L, ErrorCode.INVALID_MESSAGE);
    }

    @Test
    void unknownOps() {
        for (int op : new int[] {0x00, 0x07, 0x7F, 0x80, 0x81, 0x85, 0xFF}) {
            byte[] frame = {(byte) op, 0x01, 0x05};
            ClientMessage.Invalid invalid = assertInstanceOf(ClientMessage.Invalid.class, only(decodeClient(CODEC, frame)));
            assertEquals(ErrorCode.UNKNOWN_OP.code(), invalid.error().code(), "op " + op);
            assertNull(invalid.id(), "an unknown op's flags are meaningless, so no id is read");
        }
        for (int op : new int[] {0x00, 0x01, 0x06, 0x80, 0x86, 0xFF}) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> decodeServer(CODEC, new byte[] {(byte) op, 0}));
            assertEquals(ErrorCode.UNKNOWN_OP, e.code());
        }
        // an unknown op after good messages: the good ones are kept, the rest is dropped
        List<ClientMessage> out = decodeClient(CODEC, unhex("0601" + "01" + "4200" + "0600"));
        assertEquals(2, out.size());
        assertEquals(new ClientMessage.Ping(1L), out.get(0));
        assertInvalid(out.get(1), null, ErrorCode.UNKNOWN_OP);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 0x7F, 0xFF})
    void badDataKind(int kind) {
        // publish id 4, room "r", event "e", data kind ?, length 2, "{}"
        byte[] publish = unhex("0405" + "04" + "0172" + "0165" + String.format("%02x", kind) + "02" + "7b7d");
        assertInvalid(only(decodeClient(CODEC, publish)), 4L, ErrorCode.INVALID_MESSAGE);
        byte[] emit = unhex("0404" + "0165" + String.format("%02x", kind) + "00");
        assertInvalid(only(decodeClient(CODEC, emit)), null, ErrorCode.INVALID_MESSAGE);
        byte[] event = unhex("8204" + "0165" + String.format("%02x", kind) + "00");
        assertEquals(ErrorCode.INVALID_MESSAGE, assertThrows(ProtocolException.class, () -> decodeServer(CODEC, event)).code());
        byte[] reply = unhex("8303" + "01" + String.format("%02x", kind) + "00");
        assertThrows(ProtocolException.class, () -> decodeServer(CODEC, reply));
    }

    @Test
    void lengthsBeyondTheFrameAreTruncationNotAllocation() {
        // auth whose token claims Long.MAX_VALUE bytes
        assertInvalid(only(decodeClient(CODEC, unhex("0100" + "ffffffffffffffff7f" + "41"))), null, ErrorCode.INVALID_MESSAGE);
        // auth whose token claims 2^31 bytes (would overflow an int cast)
        assertInvalid(only(decodeClient(CODEC, unhex("0100" + "8080808008" + "41"))), null, ErrorCode.INVALID_MESSAGE);
        // publish whose data claims 1 GiB
        assertInvalid(only(decodeClient(CODEC, unhex("0404" + "0172" + "0165" + "01" + "80808080" + "04"))), null, ErrorCode.INVALID_MESSAGE);
        // connected with a huge room count
        assertThrows(ProtocolException.class, () -> decodeServer(CODEC, unhex("8102" + "0173" + "0175" + "ffffffff0f" + "0172")));
    }

    @Test
    void invalidUtf8InStringsDoesNotThrow() {
        ClientMessage.Join join = assertInstanceOf(ClientMessage.Join.class, only(decodeClient(CODEC, unhex("0200" + "02c328"))));
        assertEquals(2, join.room().length());
    }

    @Test
    void unknownFlagBitsAreIgnored() {
        assertEquals(new ClientMessage.Ping(5L), only(decodeClient(CODEC, unhex("06f1" + "05"))));
        assertEquals(new ClientMessage.Leave(null, "r"), only(decodeClient(CODEC, unhex("03f0" + "0172"))));
    }

    @Test
    void invalidIsNotSendable() {
        ByteBuf buf = Unpooled.buffer();
        try {
            assertThrows(IllegalArgumentException.class,
                    () -> CODEC.encodeClient(new ClientMessage.Invalid(null, ErrorInfo.of(ErrorCode.INVALID_MESSAGE, "x")), buf));
        } finally {
            assertTrue(buf.release());
        }
    }

    // ---- fuzz-ish ----

    @Test
    void randomBytesNeverThrowFromDecodeClient() {
        Random random = new Random(20240601L);
        for (int i = 0; i < 5000; i++) {
            byte[] frame = new byte[random.nextInt(64)];
            random.nextBytes(frame);
            if (frame.length > 0 && random.nextBoolean()) {
                frame[0] = (byte) (1 + random.nextInt(6)); // a known op, to get past the first byte
            }
            List<ClientMessage> out = decodeClient(CODEC, frame);
            assertFalse(out.isEmpty());
        }
    }

    @Test
    void mutatedValidFramesNeverThrowFromDecodeClient() {
        byte[] valid = encodeClient(CODEC, clientMessages().toArray(new ClientMessage[0]));
        Random random = new Random(99);
        for (int i = 0; i < 3000; i++) {
            byte[] frame = Arrays.copyOf(valid, 1 + random.nextInt(valid.length));
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                frame[random.nextInt(frame.length)] = (byte) random.nextInt(256);
            }
            assertFalse(decodeClient(CODEC, frame).isEmpty());
        }
    }

    @Test
    void randomBytesOnlyThrowProtocolExceptionFromDecodeServer() {
        byte[] valid = encodeServer(CODEC, serverMessages().toArray(new ServerMessage[0]));
        Random random = new Random(7);
        for (int i = 0; i < 5000; i++) {
            byte[] frame;
            if (random.nextBoolean()) {
                frame = new byte[random.nextInt(64)];
                random.nextBytes(frame);
                if (frame.length > 0) {
                    frame[0] = (byte) (0x81 + random.nextInt(5));
                }
            } else {
                frame = Arrays.copyOf(valid, 1 + random.nextInt(valid.length));
                frame[random.nextInt(frame.length)] = (byte) random.nextInt(256);
            }
            try {
                decodeServer(CODEC, frame);
            } catch (ProtocolException expected) {
                // the documented failure
            }
        }
    }

    private static void assertInvalid(ClientMessage m, Long id, ErrorCode code) {
        ClientMessage.Invalid i = assertInstanceOf(ClientMessage.Invalid.class, m);
        assertEquals(id, i.id(), () -> "id of " + i);
        assertEquals(code.code(), i.error().code(), () -> "code of " + i);
    }

    @Test
    void payloadBytesAreCopiedOutOfTheFrame() {
        byte[] frame = encodeClient(CODEC, new ClientMessage.Emit(null, "e", Payload.binary(new byte[] {1, 2, 3})));
        ByteBuf buf = Unpooled.wrappedBuffer(frame);
        ClientMessage.Emit e;
        try {
            e = (ClientMessage.Emit) only(CODEC.decodeClient(buf));
        } finally {
            assertTrue(buf.release());
        }
        Arrays.fill(frame, (byte) 0);
        assertArrayEquals(new byte[] {1, 2, 3}, e.data().bytes());
    }
}
