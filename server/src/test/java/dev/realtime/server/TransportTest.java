package dev.realtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.config.GatewayConfig;
import io.netty.channel.epoll.Epoll;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code TRANSPORT}: io_uring where the kernel allows it, else a logged fallback; the others as asked. */
class TransportTest {

    @Test
    void ioUringFallsBackWithAMessageWhenTheKernelRefuses() {
        List<String> warnings = new ArrayList<>();
        Transport t = Transport.choose(GatewayConfig.Transport.IO_URING, false, warnings::add);
        assertEquals(Epoll.isAvailable() ? "epoll" : "nio", t.name());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith("TRANSPORT=io_uring but io_uring is unavailable"), warnings.get(0));
    }

    @Test
    void ioUringIsUsedWhenAvailable() {
        List<String> warnings = new ArrayList<>();
        assertEquals("io_uring", Transport.choose(GatewayConfig.Transport.IO_URING, true, warnings::add).name());
        assertTrue(warnings.isEmpty());
        assertEquals("nio", Transport.choose(GatewayConfig.Transport.NIO, true, warnings::add).name());
        assertEquals(Epoll.isAvailable() ? "epoll" : "nio",
                Transport.choose(GatewayConfig.Transport.AUTO, true, warnings::add).name());
        assertTrue(warnings.isEmpty());
    }
}
