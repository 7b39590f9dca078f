package dev.realtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import io.netty.channel.uring.IoUring;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code TRANSPORT=io_uring|epoll|nio}: the node runs on the transport asked for (io_uring where the kernel allows it). */
class TransportE2ETest {

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void roomsWorkOnEveryTransport(String transport) {
        try (TestNode node = TestNode.start(Map.of("TRANSPORT", transport));
             WsClient a = node.connect("a");
             WsClient b = node.connect("b")) {
            String expected = transport.equals("io_uring") && !IoUring.isAvailable() ? "epoll" : transport;
            assertEquals(expected, node.server().transportName());
            a.join("lobby");
            b.join("lobby");
            assertEquals(true, a.publish("lobby", "hello", "{\"n\":1}").path("ok").asBoolean());
            assertEquals(1, b.expectEvent("hello").path("data").path("n").asInt());
            assertEquals(1, a.expectEvent("hello").path("data").path("n").asInt());
        }
    }
}
