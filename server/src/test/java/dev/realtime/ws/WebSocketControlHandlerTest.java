package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.realtime.session.Session;
import dev.realtime.testing.TestNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The control-frame handler in isolation, on an EmbeddedChannel with a real node's services. */
class WebSocketControlHandlerTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Session s = new Session(node.server().context(), "sid", ch, node.server().context().json(), "127.0.0.1");
        ch.pipeline().addLast(new WebSocketControlHandler(s));
        return ch;
    }

    @Test
    void pingIsAnsweredWithTheSamePayload() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        PongWebSocketFrame pong = assertInstanceOf(PongWebSocketFrame.class, ch.readOutbound());
        assertEquals(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}), pong.content());
        pong.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void dataFramesPassThroughAndPongsAreSwallowed() {
        EmbeddedChannel ch = channel();
        TextWebSocketFrame text = new TextWebSocketFrame("{}");
        ch.writeInbound(new PongWebSocketFrame());
        ch.writeInbound(text);
        assertSame(text, ch.readInbound());
        text.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void clientCloseIsEchoedThenTheChannelCloses() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(new CloseWebSocketFrame(1000, "bye"));
        CloseWebSocketFrame echo = assertInstanceOf(CloseWebSocketFrame.class, ch.readOutbound());
        assertEquals(1000, echo.statusCode());
        echo.release();
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void codecErrorsBecomeCloseCodes() {
        EmbeddedChannel tooLong = channel();
        tooLong.pipeline().fireExceptionCaught(new TooLongFrameException("big"));
        CloseWebSocketFrame c1 = tooLong.readOutbound();
        assertEquals(1009, c1.statusCode());
        c1.release();
        tooLong.finishAndReleaseAll();

        EmbeddedChannel badUtf8 = channel();
        badUtf8.pipeline().fireExceptionCaught(
                new CorruptedWebSocketFrameException(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "bad utf8"));
        CloseWebSocketFrame c2 = badUtf8.readOutbound();
        assertEquals(1007, c2.statusCode());
        c2.release();
        badUtf8.finishAndReleaseAll();
    }
}
