package dev.realtime.protocol;

import static dev.realtime.protocol.Frames.decodeClient;
import static dev.realtime.protocol.Frames.decodeServer;
import static dev.realtime.protocol.Frames.encodeClient;
import static dev.realtime.protocol.Frames.encodeServer;
import static dev.realtime.protocol.Frames.only;
import static dev.realtime.protocol.Frames.text;
import static dev.realtime.protocol.Frames.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonCodecTest {
    private static final JsonCodec CODEC = new JsonCodec();

    private static ClientMessage decodeOne(String json) {
        return only(decodeClient(CODEC, json));
    }

    private static ClientMessage.Invalid invalid(String json) {
        return assertInstanceOf(ClientMessage.Invalid.class, decodeOne(json), json);
    }

    private static void assertInvalid(ClientMessage m, Long id, ErrorCode code) {
        ClientMessage.Invalid i = assertInstanceOf(ClientMessage.Invalid.class, m);
        assertEquals(id, i.id(), "id of " + i);
        assertEquals(code.code(), i.error().code(), "code of " + i);
        assertFalse(i.error().message().isEmpty());
    }

    private static String serverJson(ServerMessage m) {
        return text(encodeServer(CODEC, m));
    }

    private static String clientJson(ClientMessage m) {
        return text(encodeClient(CODEC, m));
    }

    @Test
    void codecIdentity() {
        assertEquals("rt.json.v1", CODEC.subprotocol());
        assertEquals(JsonCodec.SUBPROTOCOL, CODEC.subprotocol());
        assertFalse(CODEC.binaryFrames());
    }

    @Nested
    class DecodeClientOps {
        @Test
        void auth() {
            assertEquals(new ClientMessage.Auth(1L, "tok.en.sig"), decodeOne("{\"op\":\"auth\",\"id\":1,\"token\":\"tok.en.sig\"}"));
            assertEquals(new ClientMessage.Auth(null, "t"), decodeOne("{\"op\":\"auth\",\"token\":\"t\"}"));
        }

        @Test
        void authToStringRedactsToken() {
            assertFalse(decodeOne("{\"op\":\"auth\",\"token\":\"secret-token\"}").toString().contains("secret-token"));
        }

        @Test
        void joinWithoutSince() {
            assertEquals(new ClientMessage.Join(2L, "game-lobby-1", null),
                    decodeOne("{\"op\":\"join\",\"id\":2,\"room\":\"game-lobby-1\"}"));
            assertEquals(new ClientMessage.Join(null, "r", null), decodeOne("{\"op\":\"join\",\"room\":\"r\"}"));
            assertEquals(new ClientMessage.Join(null, "r", null), decodeOne("{\"op\":\"join\",\"room\":\"r\",\"since\":null}"));
        }

        @Test
        void joinWithSince() {
            assertEquals(new ClientMessage.Join(2L, "game-lobby-1", new ClientMessage.Since("e1", 41)),
                    decodeOne("{\"op\":\"join\",\"id\":2,\"room\":\"game-lobby-1\",\"since\":{\"epoch\":\"e1\",\"offset\":41}}"));
            // field order and unknown fields inside since do not matter
            assertEquals(new ClientMessage.Join(null, "r", new ClientMessage.Since("e", 0)),
                    decodeOne("{\"since\":{\"x\":{\"y\":[1]},\"offset\":0,\"epoch\":\"e\"},\"room\":\"r\",\"op\":\"join\"}"));
            assertEquals(new ClientMessage.Join(null, "r", new ClientMessage.Since("e", Long.MAX_VALUE)),
                    decodeOne("{\"op\":\"join\",\"room\":\"r\",\"since\":{\"epoch\":\"e\",\"offset\":9223372036854775807}}"));
        }

        @Test
        void leave() {
            assertEquals(new ClientMessage.Leave(3L, "game-lobby-1"), decodeOne("{\"op\":\"leave\",\"id\":3,\"room\":\"game-lobby-1\"}"));
            assertEquals(new ClientMessage.Leave(null, "r"), decodeOne("{\"op\":\"leave\",\"room\":\"r\"}"));
        }

        @Test
        void publish() {
            assertEquals(new ClientMessage.Publish(4L, "game-lobby-1", "chat:message", Payload.json("{\"text\":\"hi\"}")),
                    decodeOne("{\"op\":\"publish\",\"id\":4,\"room\":\"game-lobby-1\",\"event\":\"chat:message\",\"data\":{\"text\":\"hi\"}}"));
            assertEquals(new ClientMessage.Publish(null, "r", "e", null), decodeOne("{\"op\":\"publish\",\"room\":\"r\",\"event\":\"e\"}"));
            assertEquals(new ClientMessage.Publish(null, "r", "e", null),
                    decodeOne("{\"op\":\"publish\",\"room\":\"r\",\"event\":\"e\",\"data\":null}"));
        }

        @Test
        void emit() {
            assertEquals(new ClientMessage.Emit(5L, "matchmaking:join", Payload.json("{\"gameType\":\"1v1_rapid_quiz\"}")),
                    decodeOne("{\"op\":\"emit\",\"id\":5,\"event\":\"matchmaking:join\",\"data\":{\"gameType\":\"1v1_rapid_quiz\"}}"));
            assertEquals(new ClientMessage.Emit(null, "get_rooms", null), decodeOne("{\"op\":\"emit\",\"event\":\"get_rooms\"}"));
        }

        @Test
        void ping() {
            assertEquals(new ClientMessage.Ping(6L), decodeOne("{\"op\":\"ping\",\"id\":6}"));
            assertEquals(new ClientMessage.Ping(null), decodeOne("{\"op\":\"ping\"}"));
        }

        @Test
        void idsAbsentNullZeroAndMax() {
            assertNull(decodeOne("{\"op\":\"ping\",\"id\":null}").id());
            assertEquals(0L, decodeOne("{\"op\":\"ping\",\"id\":0}").id());
            assertEquals(Long.MAX_VALUE, decodeOne("{\"op\":\"ping\",\"id\":9223372036854775807}").id());
        }

        @Test
        void fieldOrderWhitespaceAndUnknownFieldsDoNotMatter() {
            assertEquals(new ClientMessage.Leave(3L, "r"),
                    decodeOne(" \n{ \"room\" : \"r\" ,\t\"extra\": {\"deep\":[1,{\"x\":null}]}, \"id\":3, \"op\":\"leave\" }\r\n"));
        }

        @Test
        void stringsWithEscapesAreUnescaped() {
            assertEquals(new ClientMessage.Join(null, "caf\u00e9-\u4e2d-\uD83D\uDE00\"\\/", null),
                    decodeOne("{\"op\":\"join\",\"room\":\"caf\\u00e9-\u4e2d-\\ud83d\\ude00\\\"\\\\\\/\"}"));
        }

        @Test
        void decodesFrameAtNonZeroReaderIndex() {
            ByteBuf buf = Unpooled.buffer();
            try {
                buf.writeBytes(utf8("garbage{\"op\":\"ping\",\"id\":1}"));
                buf.readerIndex(7);
                assertEquals(List.of(new ClientMessage.Ping(1L)), CODEC.decodeClient(buf));
                assertEquals(7, buf.readerIndex());
            } finally {
                assertTrue(buf.release());
            }
        }
    }

    @Nested
    class DataIsPreservedByteExactly {
        @ParameterizedTest
        @ValueSource(strings = {
                "{\"text\":\"hi\"}",
                "{ \"a\" : [ 1 , 2.5e-3 , {\"b\" : null} ] , \"c\":true }",
                "{}",
                "[]",
                "[1,\"two\",[3],{\"four\":4},null,false]",
                "\"plain\"",
                "\"quote \\\" backslash \\\\ slash \\/ nl \\n tab \\t ctl \\u0001\"",
                "\"unicode escapes \\u00e9 \\ud83d\\ude00 \\u2028\"",
                "\"raw utf-8 caf\u00e9 \u4e2d\u6587 \uD83D\uDE00\"",
                "\"\"",
                "0",
                "42",
                "-17",
                "3.14159",
                "-1.5E+10",
                "9223372036854775808123",
                "true",
                "false",
        })
        void dataOfEveryJsonType(String raw) {
            byte[] expected = utf8(raw);
            // as the last field (value followed by '}')
            ClientMessage.Emit last = assertInstanceOf(ClientMessage.Emit.class,
                    decodeOne("{\"op\":\"emit\",\"event\":\"e\",\"data\":" + raw + "}"));
            assertArrayEquals(expected, last.data().bytes(), raw);
            assertEquals(Payload.Kind.JSON, last.data().kind());
            // in the middle, with whitespace around it (value followed by whitespace and ',')
            ClientMessage.Publish middle = assertInstanceOf(ClientMessage.Publish.class,
                    decodeOne("{\"op\":\"publish\",\"data\":  " + raw + "  ,\"room\":\"r\",\"event\":\"e\"}"));
            assertArrayEquals(expected, middle.data().bytes(), raw);
            // inside a batch, as the last field of the last element
            List<ClientMessage> batch = decodeClient(CODEC,
                    "[{\"op\":\"emit\",\"event\":\"a\",\"data\":" + raw + "},{\"op\":\"emit\",\"event\":\"b\",\"data\":" + raw + "}]");
            assertEquals(2, batch.size());
            for (ClientMessage m : batch) {
                assertArrayEquals(expected, ((ClientMessage.Emit) m).data().bytes(), raw);
            }
        }

        @Test
        void nullDataMeansAbsent() {
            assertNull(((ClientMessage.Emit) decodeOne("{\"op\":\"emit\",\"event\":\"e\",\"data\":null}")).data());
        }

        @Test
        void dataOnlyCoversTheValue() {
            ClientMessage.Emit e = (ClientMessage.Emit) decodeOne("{\"op\":\"emit\",\"data\":{\"a\":1},\"event\":\"e\",\"id\":9}");
            assertEquals("{\"a\":1}", e.data().jsonText());
            assertEquals(9L, e.id());
        }

        @Test
        void hugeStringInASmallFrameIsAccepted() {
            String big = "x".repeat(3 * 1024 * 1024);
            ClientMessage.Publish p = assertInstanceOf(ClientMessage.Publish.class,
                    decodeOne("{\"op\":\"publish\",\"room\":\"r\",\"event\":\"e\",\"data\":\"" + big + "\"}"));
            assertEquals(big.length() + 2, p.data().bytes().length);
            ClientMessage.Auth a = assertInstanceOf(ClientMessage.Auth.class,
                    decodeOne("{\"op\":\"auth\",\"token\":\"" + big + "\"}"));
            assertEquals(big, a.token());
        }

        @Test
        void binaryFlagTurnsBase64IntoRawBytes() {
            ClientMessage.Publish p = (ClientMessage.Publish) decodeOne(
                    "{\"op\":\"publish\",\"room\":\"r\",\"event\":\"blob\",\"data\":\"AAEC/w==\",\"binary\":true}");
            assertEquals(Payload.binary(new byte[] {0, 1, 2, (byte) 0xFF}), p.data());
            // "binary" may come first, and a JSON-escaped '/' is still base64
            ClientMessage.Emit e = (ClientMessage.Emit) decodeOne(
                    "{\"binary\":true,\"op\":\"emit\",\"event\":\"blob\",\"data\":\"AAEC\\/w==\"}");
            assertEquals(Payload.binary(new byte[] {0, 1, 2, (byte) 0xFF}), e.data());
            ClientMessage.Emit empty = (ClientMessage.Emit) decodeOne("{\"op\":\"emit\",\"event\":\"b\",\"data\":\"\",\"binary\":true}");
            assertEquals(Payload.binary(new byte[0]), empty.data());
            // binary:false (or null) leaves the string as JSON
            ClientMessage.Emit plain = (ClientMessage.Emit) decodeOne("{\"op\":\"emit\",\"event\":\"b\",\"data\":\"AAEC/w==\",\"binary\":false}");
            assertEquals(Payload.json("\"AAEC/w==\""), plain.data());
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"op\":\"emit\",\"id\":3,\"event\":\"b\",\"data\":\"not base64!\",\"binary\":true}",
                "{\"op\":\"emit\",\"id\":3,\"event\":\"b\",\"data\":{\"a\":1},\"binary\":true}",
                "{\"op\":\"emit\",\"id\":3,\"event\":\"b\",\"data\":12,\"binary\":true}",
                "{\"op\":\"emit\",\"id\":3,\"event\":\"b\",\"data\":\"AAEC\",\"binary\":\"yes\"}",
                "{\"op\":\"emit\",\"id\":3,\"event\":\"b\",\"data\":\"AAEC\",\"binary\":[true]}",
        })
        void badBinaryDataIsInvalid(String json) {
            assertInvalid(decodeOne(json), 3L, ErrorCode.INVALID_MESSAGE);
        }
    }

    @Nested
    class Batches {
        @Test
        void arrayFrameDecodesInOrder() {
            List<ClientMessage> out = decodeClient(CODEC,
                    "[{\"op\":\"ping\",\"id\":1},{\"op\":\"join\",\"room\":\"a\"},{\"op\":\"publish\",\"id\":3,\"room\":\"a\",\"event\":\"e\",\"data\":[1]}]");
            assertEquals(List.of(new ClientMessage.Ping(1L), new ClientMessage.Join(null, "a", null),
                    new ClientMessage.Publish(3L, "a", "e", Payload.json("[1]"))), out);
        }

        @Test
        void oneElementBatch() {
            assertEquals(List.of(new ClientMessage.Ping(null)), decodeClient(CODEC, "[{\"op\":\"ping\"}]"));
        }

        @Test
        void badElementsDoNotDiscardGoodOnes() {
            List<ClientMessage> out = decodeClient(CODEC, "[{\"op\":\"ping\",\"id\":1},"
                    + "{\"op\":\"join\",\"id\":2},"
                    + "42,"
                    + "{\"op\":\"subscribe\",\"id\":3},"
                    + "[{\"op\":\"ping\"}],"
                    + "{\"op\":\"ping\",\"id\":\"x\"},"
                    + "{\"op\":\"leave\",\"id\":4,\"room\":\"r\"}]");
            assertEquals(7, out.size(), out::toString);
            assertEquals(new ClientMessage.Ping(1L), out.get(0));
            assertInvalid(out.get(1), 2L, ErrorCode.INVALID_MESSAGE);
            assertInvalid(out.get(2), null, ErrorCode.INVALID_MESSAGE);
            assertInvalid(out.get(3), 3L, ErrorCode.UNKNOWN_OP);
            assertInvalid(out.get(4), null, ErrorCode.INVALID_MESSAGE);
            assertInvalid(out.get(5), null, ErrorCode.INVALID_MESSAGE);
            assertEquals(new ClientMessage.Leave(4L, "r"), out.get(6));
        }

        @Test
        void emptyBatchIsInvalid() {
            assertInvalid(decodeOne("[]"), null, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne(" [ ] "), null, ErrorCode.INVALID_MESSAGE);
        }

        @Test
        void batchAtTheLimitIsAcceptedAndOverItIsTooLarge() {
            JsonCodec small = new JsonCodec(32, 3);
            assertEquals(3, decodeClient(small, "[{\"op\":\"ping\"},{\"op\":\"ping\"},{\"op\":\"ping\"}]").size());
            assertInvalid(only(decodeClient(small, "[{\"op\":\"ping\"},{\"op\":\"ping\"},{\"op\":\"ping\"},{\"op\":\"ping\"}]")),
                    null, ErrorCode.TOO_LARGE);

            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < 100; i++) {
                sb.append(i == 0 ? "" : ",").append("{\"op\":\"ping\",\"id\":").append(i).append('}');
            }
            assertEquals(100, decodeClient(CODEC, sb + "]").size());
            assertInvalid(decodeOne(sb + ",{\"op\":\"ping\"}]"), null, ErrorCode.TOO_LARGE);
            // a huge batch is cut off without reading it all
            assertInvalid(decodeOne("[" + "{\"op\":\"ping\"},".repeat(200_000) + "{\"op\":\"ping\"}]"), null, ErrorCode.TOO_LARGE);
        }
    }

    @Nested
    class BadInput {
        @ParameterizedTest
        @ValueSource(strings = {
                "",
                "   ",
                "{",
                "{\"op\":\"ping\"",
                "{op:\"ping\"}",
                "{'op':'ping'}",
                "{\"op\":\"ping\",}",
                "{\"op\":\"ping\" \"id\":1}",
                "{\"op\":\"ping\",\"id\":01}",
                "{\"op\":\"ping\",\"id\":NaN}",
                "{\"op\":\"ping\"}]",
                "{\"op\":\"ping\"}}",
                "{\"op\":\"pi\u0001ng\"}",
                "{\"op\":\"join\",\"room\":\"unterminated}",
                "{\"op\":\"emit\",\"event\":\"e\",\"data\":{\"a\":}}",
                "{\"op\":\"emit\",\"event\":\"e\",\"data\":tru}",
                "nul",
                "/* comment */ {\"op\":\"ping\"}",
        })
        void malformedJson(String json) {
            assertInvalid(decodeOne(json), null, ErrorCode.INVALID_MESSAGE);
        }

        @Test
        void aBatchCutShortRunsWhatCameBeforeAndAnswersTheBrokenElementById() {
            for (String tail : new String[] {"", ",]", ",{\"op\":\"ping\",\"id\":2,\"data\":tru}", ",{\"id\":2,\"op\":\"emit\",\"event\":\"e\",\"data\":"
                    + "[".repeat(40) + "]".repeat(40) + "}]"}) {
                List<ClientMessage> out = decodeClient(CODEC, "[{\"op\":\"ping\",\"id\":1}" + tail);
                assertEquals(2, out.size(), tail);
                assertEquals(new ClientMessage.Ping(1L), out.get(0));
                assertInvalid(out.get(1), tail.contains("\"id\":2") ? 2L : null, ErrorCode.INVALID_MESSAGE);
                assertTrue(((ClientMessage.Invalid) out.get(1)).error().message().contains("rest of the batch"), tail);
            }
        }

        @Test
        void aMessageBeyondTheLimitsIsAnsweredByItsId() {
            assertInvalid(decodeOne("{\"op\":\"publish\",\"id\":3,\"room\":\"r\",\"event\":\"e\",\"data\":"
                    + "[".repeat(32) + "]".repeat(32) + "}"), 3L, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne("{\"op\":\"emit\",\"id\":4,\"event\":\"e\",\"data\":1" + "0".repeat(70) + "}"),
                    4L, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne("{\"op\":\"emit\",\"event\":\"e\",\"data\":{\"a\":}, \"id\":5}"), null,
                    ErrorCode.INVALID_MESSAGE); // the id comes after the damage: unknown
            assertInvalid(decodeOne("{\"op\":\"emit\",\"id\":6,\"event\":\"e\",\"data\":{\"a\":}}"), 6L,
                    ErrorCode.INVALID_MESSAGE);
        }

        @Test
        void invalidUtf8() {
            byte[] frame = {'{', '"', 'o', 'p', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
            assertInvalid(only(decodeClient(CODEC, frame)), null, ErrorCode.INVALID_MESSAGE);
            byte[] bad = {(byte) 0xFF, (byte) 0xFE, 0, 1};
            assertInvalid(only(decodeClient(CODEC, bad)), null, ErrorCode.INVALID_MESSAGE);
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"ping\"", "42", "-1.5", "null", "true", "false"})
        void nonObjectTopLevel(String json) {
            assertInvalid(decodeOne(json), null, ErrorCode.INVALID_MESSAGE);
        }

        @Test
        void unknownOpKeepsTheId() {
            assertInvalid(decodeOne("{\"op\":\"subscribe\",\"id\":9}"), 9L, ErrorCode.UNKNOWN_OP);
            assertInvalid(decodeOne("{\"id\":10,\"op\":\"invalid\"}"), 10L, ErrorCode.UNKNOWN_OP);
            assertInvalid(decodeOne("{\"op\":\"PING\"}"), null, ErrorCode.UNKNOWN_OP);
            assertInvalid(decodeOne("{\"op\":\"\"}"), null, ErrorCode.UNKNOWN_OP);
            ClientMessage.Invalid longOp = invalid("{\"op\":\"" + "z".repeat(10_000) + "\",\"id\":1}");
            assertTrue(longOp.error().message().length() < 200, "the unknown op is truncated in the message");
        }

        @Test
        void missingOp() {
            assertInvalid(decodeOne("{}"), null, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne("{\"id\":5}"), 5L, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne("{\"id\":5,\"op\":null}"), 5L, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne("{\"id\":5,\"op\":7}"), 5L, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne("{\"id\":5,\"op\":{\"op\":\"ping\"}}"), 5L, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne("{\"id\":5,\"op\":[\"ping\"]}"), 5L, ErrorCode.INVALID_MESSAGE);
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"op\":\"auth\",\"id\":7}",
                "{\"op\":\"auth\",\"id\":7,\"token\":null}",
                "{\"op\":\"join\",\"id\":7}",
                "{\"op\":\"join\",\"id\":7,\"since\":{\"epoch\":\"e\",\"offset\":1}}",
                "{\"op\":\"leave\",\"id\":7}",
                "{\"op\":\"publish\",\"id\":7,\"event\":\"e\"}",
                "{\"op\":\"publish\",\"id\":7,\"room\":\"r\"}",
                "{\"op\":\"publish\",\"id\":7,\"room\":\"r\",\"data\":{}}",
                "{\"op\":\"emit\",\"id\":7}",
                "{\"op\":\"emit\",\"id\":7,\"data\":{\"event\":\"x\"}}",
        })
        void missingFieldsKeepTheId(String json) {
            assertInvalid(decodeOne(json), 7L, ErrorCode.INVALID_MESSAGE);
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"op\":\"ping\",\"id\":\"1\"}",
                "{\"op\":\"ping\",\"id\":-1}",
                "{\"op\":\"ping\",\"id\":1.5}",
                "{\"op\":\"ping\",\"id\":1e3}",
                "{\"op\":\"ping\",\"id\":9223372036854775808}",
                "{\"op\":\"ping\",\"id\":true}",
                "{\"op\":\"ping\",\"id\":{\"n\":1}}",
                "{\"op\":\"ping\",\"id\":[1]}",
        })
        void badIds(String json) {
            assertInvalid(decodeOne(json), null, ErrorCode.INVALID_MESSAGE);
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"op\":\"join\",\"id\":8,\"room\":5}",
                "{\"op\":\"join\",\"id\":8,\"room\":[\"r\"]}",
                "{\"op\":\"join\",\"id\":8,\"room\":{\"name\":\"r\"}}",
                "{\"op\":\"auth\",\"id\":8,\"token\":123}",
                "{\"op\":\"publish\",\"id\":8,\"room\":\"r\",\"event\":[\"e\"]}",
                "{\"op\":\"emit\",\"id\":8,\"event\":false}",
                "{\"op\":\"join\",\"id\":8,\"room\":\"r\",\"since\":\"e1:41\"}",
                "{\"op\":\"join\",\"id\":8,\"room\":\"r\",\"since\":41}",
                "{\"op\":\"join\",\"id\":8,\"room\":\"r\",\"since\":[\"e1\",41]}",
                "{\"op\":\"join\",\"id\":8,\"room\":\"r\",\"since\":{}}",
                "{\"op\":\"join\",\"id\":8,\"room\":\"r\",\"since\":{\"epoch\":\"e1\"}}",
                "{\"op\":\"join\",\"id\":8,\"room\":\"r\",\"since\":{\"offset\":41}}",
                "{\"op\":\"join\",\"id\":8,\"room\":\"r\",\"since\":{\"epoch\":1,\"offset\":41}}",
                "{\"op\":\"join\",\"id\":8,\"room\":\"r\",\"since\":{\"epoch\":\"e1\",\"offset\":-1}}",
                "{\"op\":\"join\",\"id\":8,\"room\":\"r\",\"since\":{\"epoch\":\"e1\",\"offset\":\"41\"}}",
                "{\"op\":\"join\",\"id\":8,\"room\":\"r\",\"since\":{\"epoch\":\"e1\",\"offset\":4.1}}",
                "{\"op\":\"join\",\"id\":8,\"room\":\"r\",\"since\":{\"epoch\":\"e1\",\"offset\":99999999999999999999}}",
        })
        void wrongTypesKeepTheId(String json) {
            assertInvalid(decodeOne(json), 8L, ErrorCode.INVALID_MESSAGE);
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"op\":\"ping\"} {\"op\":\"ping\"}",
                "{\"op\":\"ping\"}{\"op\":\"ping\"}",
                "{\"op\":\"ping\"} x",
                "{\"op\":\"ping\"} 1",
                "[{\"op\":\"ping\"}] [{\"op\":\"ping\"}]",
                "[{\"op\":\"ping\"}] null",
        })
        void trailingData(String json) {
            assertInvalid(decodeOne(json), null, ErrorCode.INVALID_MESSAGE);
        }

        @Test
        void trailingWhitespaceIsFine() {
            assertEquals(new ClientMessage.Ping(1L), decodeOne("{\"op\":\"ping\",\"id\":1} \r\n\t "));
        }

        @Test
        void hundredThousandNestedArraysAreRefusedWithoutStackOverflow() {
            int n = 100_000;
            String deep = "[".repeat(n) + "]".repeat(n);
            assertInvalid(decodeOne("{\"op\":\"emit\",\"id\":1,\"event\":\"e\",\"data\":" + deep + "}"), 1L, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne(deep), null, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne("[".repeat(n)), null, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne("{\"op\":\"ping\",\"x\":" + "{\"a\":".repeat(n) + "1" + "}".repeat(n) + "}"),
                    null, ErrorCode.INVALID_MESSAGE);
            assertInvalid(decodeOne("{\"op\":\"join\",\"room\":\"r\",\"since\":" + "[".repeat(n) + "]".repeat(n) + "}"),
                    null, ErrorCode.INVALID_MESSAGE);
        }

        @Test
        void depthLimitCountsTheEnvelope() {
            // default limit 32: the envelope object is level 1, so data may nest 31 levels
            String ok = "[".repeat(31) + "]".repeat(31);
            ClientMessage.Emit e = assertInstanceOf(ClientMessage.Emit.class,
                    decodeOne("{\"op\":\"emit\",\"event\":\"e\",\"data\":" + ok + "}"));
            assertEquals(ok, e.data().jsonText());
            String tooDeep = "[".repeat(32) + "]".repeat(32);
            assertInvalid(decodeOne("{\"op\":\"emit\",\"event\":\"e\",\"data\":" + tooDeep + "}"), null, ErrorCode.INVALID_MESSAGE);
            // in a batch the array is one more level
            assertInstanceOf(ClientMessage.Emit.class,
                    decodeOne("[{\"op\":\"emit\",\"event\":\"e\",\"data\":" + "[".repeat(30) + "]".repeat(30) + "}]"));
            assertInvalid(decodeOne("[{\"op\":\"emit\",\"event\":\"e\",\"data\":" + ok + "}]"), null, ErrorCode.INVALID_MESSAGE);

            JsonCodec shallow = new JsonCodec(3, 10);
            assertInstanceOf(ClientMessage.Emit.class, only(decodeClient(shallow, "{\"op\":\"emit\",\"event\":\"e\",\"data\":{\"a\":[1]}}")));
            assertInvalid(only(decodeClient(shallow, "{\"op\":\"emit\",\"event\":\"e\",\"data\":{\"a\":[[1]]}}")),
                    null, ErrorCode.INVALID_MESSAGE);
        }

        @Test
        void overlongNumbersAreRefused() {
            assertInvalid(decodeOne("{\"op\":\"emit\",\"event\":\"e\",\"data\":" + "1".repeat(1000) + "}"), null, ErrorCode.INVALID_MESSAGE);
        }

        @Test
        void randomJsonishInputNeverThrows() {
            String[] tokens = {"{", "}", "[", "]", ",", ":", "\"op\"", "\"ping\"", "\"join\"", "\"room\"", "\"r\"", "\"id\"",
                    "\"since\"", "\"epoch\"", "\"offset\"", "\"data\"", "\"binary\"", "1", "-1", "1.5", "true", "null", " ",
                    "\"", "\\", "\u0000", "\u00e9", "9223372036854775808"};
            Random random = new Random(42);
            for (int i = 0; i < 5000; i++) {
                StringBuilder sb = new StringBuilder();
                int n = random.nextInt(30);
                for (int j = 0; j < n; j++) {
                    sb.append(tokens[random.nextInt(tokens.length)]);
                }
                List<ClientMessage> out = decodeClient(CODEC, sb.toString());
                assertFalse(out.isEmpty(), sb::toString);
            }
        }
    }

    @Nested
    class EncodeServer {
        @Test
        void connected() {
            assertEquals("{\"op\":\"connected\",\"sid\":\"s1\",\"userId\":\"u1\",\"anonymous\":false,\"rooms\":[\"user:u1\",\"global\"],"
                            + "\"serverTime\":1700000000000,\"pingIntervalMs\":25000}",
                    serverJson(new ServerMessage.Connected("s1", "u1", false, List.of("user:u1", "global"), 1700000000000L, 25000)));
            assertEquals("{\"op\":\"connected\",\"sid\":\"s2\",\"anonymous\":true,\"rooms\":[],\"serverTime\":0,\"pingIntervalMs\":0}",
                    serverJson(new ServerMessage.Connected("s2", null, true, List.of(), 0, 0)));
        }

        @Test
        void event() {
            assertEquals("{\"op\":\"event\",\"room\":\"game-lobby-1\",\"event\":\"chat:message\",\"data\":{\"text\":\"hi\"},\"offset\":42,\"epoch\":\"e1\"}",
                    serverJson(new ServerMessage.Event("game-lobby-1", "chat:message", Payload.json("{\"text\":\"hi\"}"), 42L, "e1")));
            assertEquals("{\"op\":\"event\",\"event\":\"notification:new\",\"data\":[1, 2]}",
                    serverJson(new ServerMessage.Event(null, "notification:new", Payload.json("[1, 2]"), null, null)));
            assertEquals("{\"op\":\"event\",\"room\":\"r\",\"event\":\"tick\"}",
                    serverJson(new ServerMessage.Event("r", "tick", null, null, null)));
        }

        @Test
        void reply() {
            assertEquals("{\"op\":\"reply\",\"id\":4,\"ok\":true,\"data\":{\"offset\":42}}",
                    serverJson(ServerMessage.Reply.ok(4, Payload.json("{\"offset\":42}"))));
            assertEquals("{\"op\":\"reply\",\"id\":0,\"ok\":true}", serverJson(ServerMessage.Reply.ok(0, null)));
            assertEquals("{\"op\":\"reply\",\"id\":4,\"ok\":false,\"error\":{\"code\":\"not_in_room\",\"message\":\"join the room first\"}}",
                    serverJson(ServerMessage.Reply.error(4, ErrorInfo.of(ErrorCode.NOT_IN_ROOM, "join the room first"))));
        }

        @Test
        void error() {
            assertEquals("{\"op\":\"error\",\"error\":{\"code\":\"rate_limited\",\"message\":\"too many messages\",\"retryAfterMs\":1200}}",
                    serverJson(new ServerMessage.Error(ErrorInfo.rateLimited("too many messages", 1200))));
            assertEquals("{\"op\":\"error\",\"error\":{\"code\":\"invalid_message\",\"message\":\"malformed JSON\"}}",
                    serverJson(new ServerMessage.Error(ErrorInfo.of(ErrorCode.INVALID_MESSAGE, "malformed JSON"))));
        }

        @Test
        void pong() {
            assertEquals("{\"op\":\"pong\",\"id\":6}", serverJson(new ServerMessage.Pong(6L)));
            assertEquals("{\"op\":\"pong\"}", serverJson(new ServerMessage.Pong(null)));
        }

        @Test
        void stringsAreEscaped() {
            String nasty = "q\"b\\s/n\nr\rt\tb\bf\fz\u0000o\u001fdel\u007f caf\u00e9 \u4e2d \uD83D\uDE00 \u2028";
            String json = serverJson(new ServerMessage.Error(ErrorInfo.of(ErrorCode.INTERNAL_ERROR, nasty)));
            assertEquals("{\"op\":\"error\",\"error\":{\"code\":\"internal_error\",\"message\":"
                    + "\"q\\\"b\\\\s/n\\nr\\rt\\tb\\u0008f\\u000cz\\u0000o\\u001fdel\u007f caf\u00e9 \u4e2d \uD83D\uDE00 \u2028\"}}", json);
            assertEquals(nasty, readJsonString(json, "message"), "a standard JSON parser reads the same text back");
            ServerMessage.Error back = (ServerMessage.Error) only(decodeServer(CODEC, json));
            assertEquals(nasty, back.error().message());
        }

        @Test
        void nonAsciiIsWrittenAsUtf8() {
            byte[] bytes = encodeServer(CODEC, new ServerMessage.Event("caf\u00e9", "\uD83D\uDE00", null, null, null));
            assertArrayEquals(utf8("{\"op\":\"event\",\"room\":\"caf\u00e9\",\"event\":\"\uD83D\uDE00\"}"), bytes);
        }

        @Test
        void binaryPayloadIsBase64WithFlag() {
            byte[] raw = {0, 1, 2, (byte) 0xFF};
            ServerMessage.Event ev = new ServerMessage.Event("r", "blob", Payload.binary(raw), 7L, "e");
            String json = serverJson(ev);
            assertEquals("{\"op\":\"event\",\"room\":\"r\",\"event\":\"blob\",\"data\":\"AAEC/w==\",\"binary\":true,\"offset\":7,\"epoch\":\"e\"}", json);
            assertEquals(ev, only(decodeServer(CODEC, json)));

            ServerMessage.Reply reply = ServerMessage.Reply.ok(3, Payload.binary(new byte[0]));
            assertEquals("{\"op\":\"reply\",\"id\":3,\"ok\":true,\"data\":\"\",\"binary\":true}", serverJson(reply));
            assertEquals(reply, only(decodeServer(CODEC, serverJson(reply))));

            byte[] all = new byte[256];
            for (int i = 0; i < all.length; i++) {
                all[i] = (byte) i;
            }
            ServerMessage.Event big = new ServerMessage.Event(null, "bytes", Payload.binary(all), null, null);
            assertEquals(big, only(decodeServer(CODEC, encodeServer(CODEC, big))));
        }
    }

    @Nested
    class RoundTrips {
        private final String nasty = "q\"b\\s/\n\r\t\u0001 caf\u00e9 \u4e2d \uD83D\uDE00";

        private List<ServerMessage> serverMessages() {
            List<ServerMessage> all = new ArrayList<>();
            all.add(new ServerMessage.Connected("s1", "u1", false, List.of("user:u1", "global"), 1700000000000L, 25000));
            all.add(new ServerMessage.Connected("s2", null, true, List.of("global"), Long.MAX_VALUE, 1));
            all.add(new ServerMessage.Connected(nasty, nasty, false, List.of(nasty, ""), 0, 0));
            all.add(new ServerMessage.Event("game-lobby-1", "chat:message", Payload.json("{\"text\":\"" + "hi\\n\\u00e9" + "\"}"), 42L, "e1"));
            all.add(new ServerMessage.Event(null, "notification:new", Payload.json("{\"id\":\"n1\"}"), null, null));
            all.add(new ServerMessage.Event(nasty, nasty, Payload.json("\"" + "caf\u00e9" + "\""), 0L, nasty));
            all.add(new ServerMessage.Event("r", "n", Payload.json("-1.5e3"), null, null));
            all.add(new ServerMessage.Event("r", "t", Payload.json("true"), null, null));
            all.add(new ServerMessage.Event("r", "nothing", null, null, null));
            all.add(new ServerMessage.Event("r", "blob", Payload.binary(new byte[] {(byte) 0xFB, (byte) 0xFF, 0x3F}), 1L, "e"));
            all.add(ServerMessage.Reply.ok(4, Payload.json("{\"offset\":42}")));
            all.add(ServerMessage.Reply.ok(Long.MAX_VALUE, null));
            all.add(ServerMessage.Reply.error(4, ErrorInfo.of(ErrorCode.NOT_IN_ROOM, "join the room first")));
            all.add(ServerMessage.Reply.error(5, ErrorInfo.rateLimited(nasty, 10)));
            all.add(new ServerMessage.Error(ErrorInfo.rateLimited("too many messages", 1200)));
            all.add(new ServerMessage.Error(new ErrorInfo("some_future_code", "", null)));
            all.add(new ServerMessage.Pong(6L));
            all.add(new ServerMessage.Pong(null));
            return all;
        }

        private List<ClientMessage> clientMessages() {
            List<ClientMessage> all = new ArrayList<>();
            all.add(new ClientMessage.Auth(1L, "a.b.c"));
            all.add(new ClientMessage.Auth(null, nasty));
            all.add(new ClientMessage.Join(2L, "game-lobby-1", null));
            all.add(new ClientMessage.Join(3L, nasty, new ClientMessage.Since(nasty, 41)));
            all.add(new ClientMessage.Join(null, "r", new ClientMessage.Since("", Long.MAX_VALUE)));
            all.add(new ClientMessage.Leave(3L, "game-lobby-1"));
            all.add(new ClientMessage.Leave(null, ""));
            all.add(new ClientMessage.Publish(4L, "r", "chat:message", Payload.json("{\"text\":\"hi\"}")));
            all.add(new ClientMessage.Publish(null, nasty, nasty, null));
            all.add(new ClientMessage.Publish(7L, "r", "blob", Payload.binary(new byte[] {0, 1, 2, (byte) 0xFF})));
            all.add(new ClientMessage.Emit(5L, "matchmaking:join", Payload.json("{\"gameType\":\"1v1_rapid_quiz\"}")));
            all.add(new ClientMessage.Emit(null, "e", Payload.json("[1,\"\\u0000\",null]")));
            all.add(new ClientMessage.Emit(0L, "e", null));
            all.add(new ClientMessage.Ping(6L));
            all.add(new ClientMessage.Ping(null));
            return all;
        }

        @Test
        void everyServerMessage() {
            for (ServerMessage m : serverMessages()) {
                byte[] json = encodeServer(CODEC, m);
                assertEquals(m, only(decodeServer(CODEC, json)), () -> text(json));
            }
        }

        @Test
        void everyClientMessage() {
            for (ClientMessage m : clientMessages()) {
                byte[] json = encodeClient(CODEC, m);
                assertEquals(m, only(decodeClient(CODEC, json)), () -> text(json));
            }
        }

        @Test
        void clientEncodingIsExact() {
            assertEquals("{\"op\":\"join\",\"id\":2,\"room\":\"game-lobby-1\",\"since\":{\"epoch\":\"e1\",\"offset\":41}}",
                    clientJson(new ClientMessage.Join(2L, "game-lobby-1", new ClientMessage.Since("e1", 41))));
            assertEquals("{\"op\":\"ping\"}", clientJson(new ClientMessage.Ping(null)));
            assertEquals("{\"op\":\"publish\",\"id\":7,\"room\":\"r\",\"event\":\"blob\",\"data\":\"AAEC/w==\",\"binary\":true}",
                    clientJson(new ClientMessage.Publish(7L, "r", "blob", Payload.binary(new byte[] {0, 1, 2, (byte) 0xFF}))));
        }

        @Test
        void invalidIsNotSendable() {
            ByteBuf buf = Unpooled.buffer();
            try {
                assertThrows(IllegalArgumentException.class, () -> CODEC.encodeClient(
                        new ClientMessage.Invalid(1L, ErrorInfo.of(ErrorCode.INVALID_MESSAGE, "x")), buf));
            } finally {
                assertTrue(buf.release());
            }
        }

        @Test
        void serverBatchFrame() {
            List<ServerMessage> all = serverMessages();
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < all.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(serverJson(all.get(i)));
            }
            assertEquals(all, decodeServer(CODEC, sb.append(']').toString()));
        }

        @Test
        void clientBatchFrame() {
            List<ClientMessage> all = clientMessages();
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < all.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(clientJson(all.get(i)));
            }
            assertEquals(all, decodeClient(CODEC, sb.append(']').toString()));
        }
    }

    @Nested
    class DecodeServerRejects {
        @ParameterizedTest
        @ValueSource(strings = {
                "",
                "{",
                "\"pong\"",
                "42",
                "{}",
                "{\"op\":null}",
                "{\"op\":{\"x\":1},\"id\":2}",
                "{\"op\":[\"pong\"]}",
                "{\"op\":\"error\"}",
                "{\"op\":\"error\",\"error\":{\"message\":\"no code\"}}",
                "{\"op\":\"connected\",\"rooms\":[null]}",
                "{\"op\":\"connected\",\"rooms\":[[\"a\"]]}",
                "{\"op\":\"event\",\"event\":\"e\",\"data\":\"not base64!\",\"binary\":true}",
                "{\"op\":\"event\",\"event\":\"e\",\"data\":{\"a\":1},\"binary\":true}",
                "{\"op\":\"pong\",\"id\":99999999999999999999}",
                "{\"op\":\"pong\"} {\"op\":\"pong\"}",
                "[{\"op\":\"pong\"},1]",
                "[{\"op\":\"pong\"}",
        })
        void malformedFramesThrowProtocolException(String json) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> decodeServer(CODEC, json), json);
            assertEquals(ErrorCode.INVALID_MESSAGE, e.code());
        }

        @Test
        void unknownOp() {
            assertEquals(ErrorCode.UNKNOWN_OP,
                    assertThrows(ProtocolException.class, () -> decodeServer(CODEC, "{\"op\":\"welcome\"}")).code());
        }

        @Test
        void deepNesting() {
            assertThrows(ProtocolException.class, () -> decodeServer(CODEC,
                    "{\"op\":\"event\",\"event\":\"e\",\"data\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}"));
        }

        @Test
        void containersWhereScalarsBelongAreSkippedWhole() {
            ServerMessage.Pong pong = (ServerMessage.Pong) only(decodeServer(CODEC,
                    "{\"sid\":{\"op\":\"error\"},\"op\":\"pong\",\"offset\":[1,{\"a\":2}],\"id\":3}"));
            assertEquals(new ServerMessage.Pong(3L), pong);
        }

        @Test
        void unknownFieldsAreIgnored() {
            assertEquals(new ServerMessage.Pong(3L), only(decodeServer(CODEC, "{\"op\":\"pong\",\"id\":3,\"future\":{\"x\":[1]}}")));
        }

        @Test
        void randomJsonishInputOnlyThrowsProtocolException() {
            String[] tokens = {"{", "}", "[", "]", ",", ":", "\"op\"", "\"event\"", "\"error\"", "\"connected\"", "\"rooms\"",
                    "\"data\"", "\"binary\"", "\"id\"", "\"code\"", "1", "-1", "true", "null", "\"\"", "\"AA==\""};
            Random random = new Random(7);
            for (int i = 0; i < 5000; i++) {
                StringBuilder sb = new StringBuilder();
                int n = random.nextInt(25);
                for (int j = 0; j < n; j++) {
                    sb.append(tokens[random.nextInt(tokens.length)]);
                }
                try {
                    decodeServer(CODEC, sb.toString());
                } catch (ProtocolException expected) {
                    // fine: the documented failure
                }
            }
        }
    }

    private static String readJsonString(String json, String field) {
        try (JsonParser p = new JsonFactory().createParser(json)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME && field.equals(p.currentName())) {
                    p.nextToken();
                    return p.getText();
                }
            }
            throw new AssertionError("no field " + field);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
