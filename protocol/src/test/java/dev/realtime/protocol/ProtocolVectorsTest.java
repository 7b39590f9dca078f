package dev.realtime.protocol;

import static dev.realtime.protocol.Frames.decodeClient;
import static dev.realtime.protocol.Frames.decodeServer;
import static dev.realtime.protocol.Frames.encodeClient;
import static dev.realtime.protocol.Frames.encodeServer;
import static dev.realtime.protocol.Frames.hex;
import static dev.realtime.protocol.Frames.only;
import static dev.realtime.protocol.Frames.text;
import static dev.realtime.protocol.Frames.unhex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The wire vectors published in docs/protocol.md. The hex strings are written field by field
 * (spaces separate fields and are ignored); if a codec changes its output this test fails, and the
 * document must change with it.
 */
class ProtocolVectorsTest {
    private static final BinaryCodec BINARY = new BinaryCodec();
    private static final JsonCodec JSON = new JsonCodec();

    record ClientVector(String name, ClientMessage message, String hex, String json) {
        @Override
        public String toString() {
            return name;
        }
    }

    record ServerVector(String name, ServerMessage message, String hex, String json) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<ClientVector> clientVectors() {
        return Stream.of(
                new ClientVector("auth id 1",
                        new ClientMessage.Auth(1L, "jwt"),
                        "01 01 01 03 6a7774",
                        "{\"op\":\"auth\",\"id\":1,\"token\":\"jwt\"}"),
                new ClientVector("join id 2",
                        new ClientMessage.Join(2L, "game-lobby-1", null),
                        "02 01 02 0c 67616d652d6c6f6262792d31",
                        "{\"op\":\"join\",\"id\":2,\"room\":\"game-lobby-1\"}"),
                new ClientVector("join id 3 with since",
                        new ClientMessage.Join(3L, "game-lobby-1", new ClientMessage.Since("e1", 41)),
                        "02 03 03 0c 67616d652d6c6f6262792d31 02 6531 29",
                        "{\"op\":\"join\",\"id\":3,\"room\":\"game-lobby-1\",\"since\":{\"epoch\":\"e1\",\"offset\":41}}"),
                new ClientVector("leave without id",
                        new ClientMessage.Leave(null, "game-lobby-1"),
                        "03 00 0c 67616d652d6c6f6262792d31",
                        "{\"op\":\"leave\",\"room\":\"game-lobby-1\"}"),
                new ClientVector("publish id 4 JSON data",
                        new ClientMessage.Publish(4L, "r", "chat:message", Payload.json("{\"text\":\"hi\"}")),
                        "04 05 04 01 72 0c 636861743a6d657373616765 01 0d 7b2274657874223a226869227d",
                        "{\"op\":\"publish\",\"id\":4,\"room\":\"r\",\"event\":\"chat:message\",\"data\":{\"text\":\"hi\"}}"),
                new ClientVector("publish id 7 raw bytes",
                        new ClientMessage.Publish(7L, "r", "blob", Payload.binary(new byte[] {0x00, 0x01, 0x02, (byte) 0xFF})),
                        "04 05 07 01 72 04 626c6f62 02 04 000102ff",
                        "{\"op\":\"publish\",\"id\":7,\"room\":\"r\",\"event\":\"blob\",\"data\":\"AAEC/w==\",\"binary\":true}"),
                new ClientVector("emit id 5",
                        new ClientMessage.Emit(5L, "matchmaking:join", Payload.json("{\"gameType\":\"1v1_rapid_quiz\"}")),
                        "05 05 05 10 6d617463686d616b696e673a6a6f696e 01 1d 7b2267616d6554797065223a223176315f72617069645f7175697a227d",
                        "{\"op\":\"emit\",\"id\":5,\"event\":\"matchmaking:join\",\"data\":{\"gameType\":\"1v1_rapid_quiz\"}}"),
                new ClientVector("emit without id or data",
                        new ClientMessage.Emit(null, "get_rooms", null),
                        "05 00 09 6765745f726f6f6d73",
                        "{\"op\":\"emit\",\"event\":\"get_rooms\"}"),
                new ClientVector("ping id 6",
                        new ClientMessage.Ping(6L),
                        "06 01 06",
                        "{\"op\":\"ping\",\"id\":6}"));
    }

    static Stream<ServerVector> serverVectors() {
        return Stream.of(
                new ServerVector("connected",
                        new ServerMessage.Connected("s1", "u1", false, List.of("user:u1", "global"), 1700000000000L, 25000),
                        "81 02 02 7331 02 7531 02 07 757365723a7531 06 676c6f62616c 0000018bcfe56800 a8c301",
                        "{\"op\":\"connected\",\"sid\":\"s1\",\"userId\":\"u1\",\"anonymous\":false,\"rooms\":[\"user:u1\",\"global\"],"
                                + "\"serverTime\":1700000000000,\"pingIntervalMs\":25000}"),
                new ServerVector("connected anonymous",
                        new ServerMessage.Connected("s2", null, true, List.of("global"), 1700000000000L, 25000),
                        "81 01 02 7332 01 06 676c6f62616c 0000018bcfe56800 a8c301",
                        "{\"op\":\"connected\",\"sid\":\"s2\",\"anonymous\":true,\"rooms\":[\"global\"],"
                                + "\"serverTime\":1700000000000,\"pingIntervalMs\":25000}"),
                new ServerVector("event with room, offset and epoch",
                        new ServerMessage.Event("game-lobby-1", "chat:message", Payload.json("{\"text\":\"hi\"}"), 42L, "e1"),
                        "82 07 0c 67616d652d6c6f6262792d31 0c 636861743a6d657373616765 01 0d 7b2274657874223a226869227d 2a 02 6531",
                        "{\"op\":\"event\",\"room\":\"game-lobby-1\",\"event\":\"chat:message\",\"data\":{\"text\":\"hi\"},"
                                + "\"offset\":42,\"epoch\":\"e1\"}"),
                new ServerVector("event without room",
                        new ServerMessage.Event(null, "notification:new", Payload.json("{\"id\":\"n1\"}"), null, null),
                        "82 04 10 6e6f74696669636174696f6e3a6e6577 01 0b 7b226964223a226e31227d",
                        "{\"op\":\"event\",\"event\":\"notification:new\",\"data\":{\"id\":\"n1\"}}"),
                new ServerVector("event with raw bytes",
                        new ServerMessage.Event("r", "blob", Payload.binary(new byte[] {0x00, 0x01, 0x02, (byte) 0xFF}), null, null),
                        "82 05 01 72 04 626c6f62 02 04 000102ff",
                        "{\"op\":\"event\",\"room\":\"r\",\"event\":\"blob\",\"data\":\"AAEC/w==\",\"binary\":true}"),
                new ServerVector("reply ok with data",
                        ServerMessage.Reply.ok(4, Payload.json("{\"offset\":42}")),
                        "83 03 04 01 0d 7b226f6666736574223a34327d",
                        "{\"op\":\"reply\",\"id\":4,\"ok\":true,\"data\":{\"offset\":42}}"),
                new ServerVector("reply ok without data",
                        ServerMessage.Reply.ok(2, null),
                        "83 01 02",
                        "{\"op\":\"reply\",\"id\":2,\"ok\":true}"),
                new ServerVector("reply error",
                        ServerMessage.Reply.error(4, ErrorInfo.of(ErrorCode.NOT_IN_ROOM, "join the room first")),
                        "83 04 04 00 0b 6e6f745f696e5f726f6f6d 13 6a6f696e2074686520726f6f6d206669727374",
                        "{\"op\":\"reply\",\"id\":4,\"ok\":false,\"error\":{\"code\":\"not_in_room\",\"message\":\"join the room first\"}}"),
                new ServerVector("error with retryAfterMs",
                        new ServerMessage.Error(ErrorInfo.rateLimited("too many messages", 1200)),
                        "84 00 01 0c 726174655f6c696d69746564 11 746f6f206d616e79206d65737361676573 b009",
                        "{\"op\":\"error\",\"error\":{\"code\":\"rate_limited\",\"message\":\"too many messages\",\"retryAfterMs\":1200}}"),
                new ServerVector("pong id 6",
                        new ServerMessage.Pong(6L),
                        "85 01 06",
                        "{\"op\":\"pong\",\"id\":6}"));
    }

    private static String compact(String spacedHex) {
        return spacedHex.replace(" ", "");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clientVectors")
    void clientBinaryBytes(ClientVector v) {
        assertEquals(compact(v.hex()), hex(encodeClient(BINARY, v.message())));
        assertEquals(v.message(), only(decodeClient(BINARY, unhex(v.hex()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clientVectors")
    void clientJsonText(ClientVector v) {
        assertEquals(v.json(), text(encodeClient(JSON, v.message())));
        assertEquals(v.message(), only(decodeClient(JSON, v.json())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serverVectors")
    void serverBinaryBytes(ServerVector v) {
        assertEquals(compact(v.hex()), hex(encodeServer(BINARY, v.message())));
        assertEquals(v.message(), only(decodeServer(BINARY, unhex(v.hex()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serverVectors")
    void serverJsonText(ServerVector v) {
        assertEquals(v.json(), text(encodeServer(JSON, v.message())));
        assertEquals(v.message(), only(decodeServer(JSON, v.json())));
    }

    @Test
    void batchesConcatenateInBinaryAndWrapInAnArrayInJson() {
        ClientMessage join = new ClientMessage.Join(2L, "game-lobby-1", null);
        ClientMessage ping = new ClientMessage.Ping(6L);
        assertEquals("0201020c67616d652d6c6f6262792d31" + "060106", hex(encodeClient(BINARY, join, ping)));
        assertEquals(List.of(join, ping), decodeClient(BINARY, unhex("02 01 02 0c 67616d652d6c6f6262792d31 06 01 06")));
        assertEquals(List.of(join, ping),
                decodeClient(JSON, "[{\"op\":\"join\",\"id\":2,\"room\":\"game-lobby-1\"},{\"op\":\"ping\",\"id\":6}]"));
    }

    @Test
    void allVectorsAsOneBinaryBatch() {
        List<ClientMessage> clients = new ArrayList<>();
        StringBuilder clientHex = new StringBuilder();
        clientVectors().forEach(v -> {
            clients.add(v.message());
            clientHex.append(compact(v.hex()));
        });
        assertEquals(clients, decodeClient(BINARY, unhex(clientHex.toString())));

        List<ServerMessage> servers = new ArrayList<>();
        StringBuilder serverHex = new StringBuilder();
        serverVectors().forEach(v -> {
            servers.add(v.message());
            serverHex.append(compact(v.hex()));
        });
        assertEquals(servers, decodeServer(BINARY, unhex(serverHex.toString())));
    }
}
