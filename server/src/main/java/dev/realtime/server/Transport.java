package dev.realtime.server;

import dev.realtime.config.GatewayConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * The Netty transport ({@code TRANSPORT}): native epoll when available (or required), io_uring when
 * asked for and the kernel allows it (else epoll, else NIO, with a log line saying why), NIO
 * otherwise. Immutable.
 */
record Transport(String name, IoHandlerFactory factory, Class<? extends ServerChannel> serverChannel) {

    static Transport choose(GatewayConfig.Transport wanted) {
        return choose(wanted, IoUring.isAvailable(), message -> LoggerFactory.getLogger(Transport.class).warn(message));
    }

    /** {@code ioUring}: whether the kernel and the native library allow io_uring; {@code warn} gets fallbacks. */
    static Transport choose(GatewayConfig.Transport wanted, boolean ioUring, Consumer<String> warn) {
        switch (wanted) {
            case IO_URING -> {
                if (ioUring) {
                    return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class);
                }
                Transport fallback = Epoll.isAvailable() ? epoll() : nio();
                warn.accept("TRANSPORT=io_uring but io_uring is unavailable (" + IoUring.unavailabilityCause()
                        + "); using " + fallback.name() + " instead");
                return fallback;
            }
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("TRANSPORT=epoll but epoll is unavailable: "
                            + Epoll.unavailabilityCause());
                }
                return epoll();
            }
            case NIO -> {
                return nio();
            }
            default -> {
                return Epoll.isAvailable() ? epoll() : nio();
            }
        }
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }

    EventLoopGroup group(String name, int threads) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, false), factory);
    }
}
