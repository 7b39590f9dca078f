package dev.realtime.protocol;

import static dev.realtime.protocol.Frames.decodeClient;
import static dev.realtime.protocol.Frames.encodeClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code rt.binary.v1} JSON data (kind 1) is held to the JSON path's limits: JSON clients embed it
 * byte for byte, so anything but one valid JSON value in strict UTF-8 is refused.
 */
class BinaryJsonDataTest {
    private static final BinaryCodec CODEC = new BinaryCodec(32, 100);

    private static ClientMessage publish(byte[] data) {
        return only(decodeClient(CODEC, encodeClient(CODEC,
                new ClientMessage.Publish(7L, "r", "e", Payload.json(data)))));
    }

    private static ClientMessage only(List<ClientMessage> m) {
        assertEquals(1, m.size(), m::toString);
        return m.get(0);
    }

    private static void assertRefused(ClientMessage m) {
        ClientMessage.Invalid invalid = assertInstanceOf(ClientMessage.Invalid.class, m);
        assertEquals(7L, invalid.id(), "answered as a reply to its id");
        assertEquals(ErrorCode.INVALID_MESSAGE.code(), invalid.error().code());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "1,\"event\":\"notification:new\",\"room\":\"user:victim\"", // forges envelope keys
        "{\"a\":1}}",
        "{\"a\":1} {\"b\":2}",
        "",
        "   ",
        "{",
        "'single'",
        "NaN",
        "[1,]",
        "\"unterminated",
        "\"bad \\q escape\"",
        "{\"a\":1,}",
        "01",
        "// comment\n1",
    })
    void notOneJsonValueIsRefused(String data) {
        assertRefused(publish(data.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void invalidUtf8IsRefusedEvenWhereJacksonWouldPassIt() {
        assertRefused(publish(new byte[] {'"', (byte) 0xFF, '"'}));
        assertRefused(publish(new byte[] {'"', (byte) 0xC0, (byte) 0x80, '"'})); // overlong NUL
        assertRefused(publish(new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'})); // lone surrogate
        assertRefused(publish(new byte[] {'"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'})); // > U+10FFFF
        assertRefused(publish(new byte[] {'"', 'a', 0x01, '"'})); // raw control character
    }

    @Test
    void depthFollowsTheJsonPathWhereTheEnvelopeIsOneLevel() {
        BinaryCodec shallow = new BinaryCodec(3, 100); // a JSON frame {"data":[[1]]} is depth 3
        ClientMessage ok = only(decodeClient(shallow, encodeClient(shallow,
                new ClientMessage.Publish(7L, "r", "e", Payload.json("[[1]]")))));
        assertInstanceOf(ClientMessage.Publish.class, ok);
        assertRefused(only(decodeClient(shallow, encodeClient(shallow,
                new ClientMessage.Publish(7L, "r", "e", Payload.json("[[[1]]]"))))));
        assertRefused(publish(("[".repeat(100_000) + "]".repeat(100_000)).getBytes(StandardCharsets.US_ASCII)));
        assertRefused(publish(("1" + "0".repeat(100)).getBytes(StandardCharsets.US_ASCII)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"text\":\"hi\"}", "[1,2.5e3,true,false,null]", "\"caf\u00e9 \uD83D\uDE00\"", "42",
        " {\"padded\":1} ", "\"\\u0000 escaped\""})
    void oneValidValuePassesByteForByte(String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        ClientMessage.Publish p = assertInstanceOf(ClientMessage.Publish.class, publish(bytes));
        assertEquals(Payload.json(bytes), p.data());
    }

    @Test
    void jsonNullIsNoDataAsInAJsonFrame() {
        assertNull(assertInstanceOf(ClientMessage.Publish.class, publish("null".getBytes(StandardCharsets.US_ASCII))).data());
    }

    @Test
    void emitDataIsCheckedTooAndTheRestOfTheBatchStillRuns() {
        byte[] frame = encodeClient(CODEC,
                new ClientMessage.Emit(7L, "x", Payload.json("{\"a\":")),
                new ClientMessage.Ping(8L));
        List<ClientMessage> out = decodeClient(CODEC, frame);
        assertEquals(2, out.size());
        assertRefused(out.get(0));
        assertEquals(new ClientMessage.Ping(8L), out.get(1));
    }

    @Test
    void rawBytesAreNotJsonAndPassAsTheyAre() {
        byte[] raw = {(byte) 0xFF, 0, '{'};
        ClientMessage.Publish p = assertInstanceOf(ClientMessage.Publish.class, only(decodeClient(CODEC,
                encodeClient(CODEC, new ClientMessage.Publish(7L, "r", "e", Payload.binary(raw))))));
        assertTrue(!p.data().isJson());
    }

    @Test
    void jsonValueChecksStoredBytesTheSameWay() {
        JsonValue check = new JsonValue(31);
        assertTrue(check.isValid("{\"ok\":true}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("data is not valid UTF-8", check.problem(new byte[] {'"', (byte) 0xFF, '"'}));
    }
}
