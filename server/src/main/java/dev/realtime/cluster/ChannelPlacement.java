package dev.realtime.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * Where each channel the bus wants is subscribed: one {@link PubSubLink} per Redis node, and every
 * wanted channel subscribed on the node that serves its slot now ({@link BusTopology}). A channel that
 * moves (slot migration, failover) is subscribed on its new node <em>before</em> it is unsubscribed on
 * the old one, once the new node confirmed: a message delivered by both is dropped as a copy
 * ({@link SeqFilter}), a gap between the two would be a loss.
 *
 * <p>Threading: the bus's control thread only (the links call back on their own threads, and the
 * bus hands those calls to the control thread).
 */
final class ChannelPlacement {
    private final BusTopology topology;
    private final JedisClientConfig config;
    private final PubSubLink.Events events;
    private final Map<HostAndPort, PubSubLink> links = new HashMap<>();
    /** Channel -> the node it is subscribed (or being subscribed) on. */
    private final Map<String, HostAndPort> placed = new HashMap<>();
    /** Channel -> the node it is moving away from: unsubscribed there once the new node confirms. */
    private final Map<String, HostAndPort> leaving = new HashMap<>();

    ChannelPlacement(BusTopology topology, JedisClientConfig config, PubSubLink.Events events) {
        this.topology = topology;
        this.config = config;
        this.events = events;
    }

    /**
     * Subscribes {@code channel} where it lives now; false when the topology does not know yet (call
     * {@link #reconcile} once it does).
     */
    boolean place(String channel) {
        byte[] bytes = bytes(channel);
        HostAndPort owner = topology.snapshot().owner(topology.slot(bytes));
        if (owner == null) {
            return false;
        }
        if (!owner.equals(placed.get(channel))) {
            placed.put(channel, owner);
            link(owner).subscribe(List.of(bytes));
        }
        return true;
    }

    /** Unsubscribes {@code channel} wherever it is (also where it is leaving). */
    void unplace(String channel) {
        unsubscribe(placed.remove(channel), channel);
        unsubscribe(leaving.remove(channel), channel);
    }

    /** Every channel of {@code wanted} subscribed on the node that serves it; a link for every primary. */
    void reconcile(Collection<String> wanted) {
        BusTopology.Snapshot snap = topology.snapshot();
        for (HostAndPort p : snap.primaries()) {
            link(p);
        }
        Map<HostAndPort, List<byte[]>> subscribe = new HashMap<>();
        for (String ch : wanted) {
            byte[] bytes = bytes(ch);
            HostAndPort owner = snap.owner(topology.slot(bytes));
            HostAndPort at = placed.get(ch);
            if (owner == null || owner.equals(at)) {
                continue;
            }
            if (owner.equals(leaving.get(ch))) {
                leaving.remove(ch); // back where it was: still subscribed there
            } else if (at != null && links.containsKey(at) && links.get(at).up()) {
                leaving.put(ch, at);
            }
            placed.put(ch, owner);
            subscribe.computeIfAbsent(owner, k -> new ArrayList<>()).add(bytes);
        }
        subscribe.forEach((node, channels) -> link(node).subscribe(channels));
        // Links to nodes that serve nothing any more (a demoted or removed primary).
        links.entrySet().removeIf(e -> {
            if (!snap.primaries().contains(e.getKey()) && !placed.containsValue(e.getKey())
                    && !leaving.containsValue(e.getKey())) {
                e.getValue().close();
                return true;
            }
            return false;
        });
    }

    /** {@code link} (re)connected: subscribe what it should carry. */
    void connected(PubSubLink link) {
        List<byte[]> channels = new ArrayList<>();
        placed.forEach((ch, node) -> {
            if (node.equals(link.node())) {
                channels.add(bytes(ch));
            }
        });
        link.subscribe(channels);
    }

    /** {@code link} confirmed {@code channel}: if it moved here, end the old subscription. */
    void confirmed(PubSubLink link, String channel) {
        HostAndPort old = leaving.get(channel);
        if (old != null && link.node().equals(placed.get(channel)) && !old.equals(link.node())) {
            leaving.remove(channel);
            unsubscribe(old, channel);
        }
    }

    /**
     * Redis ended {@code channel}'s subscription on {@code link}. Returns true when that was not asked
     * for (the slot left the node): the channel is unplaced, to be placed again from a fresh topology.
     */
    boolean ended(PubSubLink link, String channel, boolean wanted) {
        if (link.node().equals(leaving.get(channel))) {
            leaving.remove(channel);
            return false;
        }
        if (wanted && link.node().equals(placed.get(channel))) {
            placed.remove(channel);
            return true;
        }
        return false;
    }

    /** {@code link}'s node refused subscriptions for {@code slot} ({@code MOVED}); -1: all of them. */
    void refusedBy(PubSubLink link, int slot) {
        placed.entrySet().removeIf(e -> e.getValue().equals(link.node())
                && (slot < 0 || topology.slot(bytes(e.getKey())) == slot));
    }

    /**
     * Pings every link ({@link PubSubLink#ping}); returns how many were found silent and dropped.
     */
    int ping(long everyMs) {
        int dropped = 0;
        for (PubSubLink link : links.values()) {
            if (!link.ping(everyMs)) {
                dropped++;
            }
        }
        return dropped;
    }

    /** Whether the link to {@code node} is up. */
    boolean up(HostAndPort node) {
        PubSubLink link = links.get(node);
        return link != null && link.up();
    }

    /** Whether every one of {@code primaries} has a link that is up (false for none). */
    boolean allUp(Set<HostAndPort> primaries) {
        if (primaries.isEmpty()) {
            return false;
        }
        for (HostAndPort p : primaries) {
            if (!up(p)) {
                return false;
            }
        }
        return true;
    }

    void closeAll() {
        links.values().forEach(PubSubLink::close);
        links.clear();
    }

    private void unsubscribe(HostAndPort node, String channel) {
        if (node != null && links.containsKey(node)) {
            links.get(node).unsubscribe(bytes(channel));
        }
    }

    private PubSubLink link(HostAndPort node) {
        return links.computeIfAbsent(node, n -> new PubSubLink(n, config, topology.sharded(), events,
                topology.sharded() ? "bus-redis-sub-" + n.getPort() : "bus-redis-sub").start());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
