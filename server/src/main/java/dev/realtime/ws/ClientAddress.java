package dev.realtime.ws;

import dev.realtime.config.IpRange;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The client's address: the socket peer, or the right-most untrusted hop of
 * {@code X-Forwarded-For} when the peer is one of {@code TRUSTED_PROXIES} (addresses or CIDR
 * ranges, {@link IpRange}). Immutable.
 */
public final class ClientAddress {
    private final List<IpRange> trustedProxies;

    /** @param trustedProxies entries that {@link IpRange#parse} accepts (the configuration checked them) */
    public ClientAddress(List<String> trustedProxies) {
        this.trustedProxies = trustedProxies.stream().map(IpRange::parse).filter(java.util.Objects::nonNull).toList();
    }

    private boolean trusted(String address) {
        for (IpRange r : trustedProxies) {
            if (r.contains(address)) {
                return true;
            }
        }
        return false;
    }

    public String of(Channel channel, HttpHeaders headers) {
        // Interned: every connection keeps its address (for its counts), and many share one.
        String peer = (channel.remoteAddress() instanceof InetSocketAddress a
                ? a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString() : "unknown").intern();
        if (!trusted(peer)) {
            return peer;
        }
        String xff = headers.get("X-Forwarded-For");
        if (xff == null || xff.isBlank()) {
            return peer;
        }
        String[] hops = xff.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (!hop.isEmpty() && !trusted(hop)) {
                return hop;
            }
        }
        return peer;
    }
}
