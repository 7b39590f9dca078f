package dev.realtime.room;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.ws.WsFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import io.netty.util.concurrent.EventExecutor;

/**
 * Rooms on single-threaded shards. A room lives on the shard chosen by a stable hash of its name;
 * every operation on it runs on that shard's thread, so operations on one room are totally ordered
 * and lock-free. By default the shards are the node's I/O event loops (rooms hashed over the
 * loops): an operation from a connection on the room's own loop runs at once on the caller's stack,
 * one from any other thread is one task on that loop ({@link RoomShard#inline()}); with
 * {@code ROOM_SHARDS} &gt; 0 the shards are threads of their own and every operation is a task.
 * Publishing encodes the event once per codec in use, writes it at once to the members on the
 * room's own loop and hands each other event loop that has members one {@link Delivery} sharing
 * those buffers.
 *
 * <p>Callers may be any thread. Callbacks for a connection's own operations ({@code join},
 * {@code leave}, {@code publish} by a client) run on that connection's event loop, in order with
 * the deliveries it receives: at once when the room lives on that same loop (its events to the
 * connection are written at once too), else queued behind the deliveries already sent there
 * ({@link LoopOutbox#runOrSubmit}). Server-side publishes (HTTP, and later Kafka/Redis) pass a
 * {@code null} subscriber and skip the membership check. A {@link RoomBridge} sees every accepted
 * publish and every room's first/last local member: that is how events reach other nodes.
 */
public final class RoomService {
    private final RoomShard[] shards;
    private final AtomicInteger roomCount = new AtomicInteger();
    private final GatewayMetrics metrics;
    private final ByteBufAllocator alloc;
    private final int maxRoomMembers;
    private final RoomBridge bridge;
    private final RoomJournal journal;
    /** Encoders by index: {@link Subscriber#JSON}, {@link Subscriber#BINARY}, then the extra ones. */
    private final EventEncoder[] encoders;

    public RoomService(int shardCount, int maxRoomMembers, JsonCodec json, BinaryCodec binary,
                       ByteBufAllocator alloc, GatewayMetrics metrics, RoomBridge bridge) {
        this(shardCount, maxRoomMembers, json, binary, alloc, metrics, bridge, RoomJournal.NONE);
    }

    public RoomService(int shardCount, int maxRoomMembers, JsonCodec json, BinaryCodec binary,
                       ByteBufAllocator alloc, GatewayMetrics metrics, RoomBridge bridge, RoomJournal journal) {
        this(shardCount, maxRoomMembers, json, binary, alloc, metrics, bridge, journal, Long.MAX_VALUE, List.of());
    }

    /**
     * @param shardQueueMaxBytes most bytes of events waiting in one shard's queue
     *                           ({@code SHARD_QUEUE_MAX_BYTES}); a publish beyond it is refused
     * @param extraEncoders      encodings besides the native two (e.g. Socket.IO); the i-th gets index
     *                           {@code 2 + i}, see {@link #encodingOf}
     */
    public RoomService(int shardCount, int maxRoomMembers, JsonCodec json, BinaryCodec binary,
                       ByteBufAllocator alloc, GatewayMetrics metrics, RoomBridge bridge, RoomJournal journal,
                       long shardQueueMaxBytes, List<EventEncoder> extraEncoders) {
        this(null, shardCount, maxRoomMembers, json, binary, alloc, metrics, bridge, journal, shardQueueMaxBytes,
                extraEncoders, PrefixPolicies.BUILT_IN);
    }

    /**
     * @param loops    the I/O event loops the rooms live on (hashed over them), or null for
     *                 {@code shardCount} threads of their own
     * @param policies per-room settings (the route table's), read once when a room opens: its
     *                 {@code writeDelayMs} (0 to {@link LoopOutbox#MAX_WRITE_DELAY_MS}) and what its
     *                 slow consumers get ({@code slowConsumer}, {@code delivery})
     */
    public RoomService(List<? extends EventExecutor> loops, int shardCount, int maxRoomMembers, JsonCodec json,
                       BinaryCodec binary, ByteBufAllocator alloc, GatewayMetrics metrics, RoomBridge bridge,
                       RoomJournal journal, long shardQueueMaxBytes, List<EventEncoder> extraEncoders,
                       PrefixPolicies policies) {
        this.bridge = bridge;
        this.journal = journal;
        int count = loops != null && !loops.isEmpty() ? loops.size() : shardCount;
        this.shards = new RoomShard[count];
        int encodingCount = 2 + extraEncoders.size();
        for (int i = 0; i < count; i++) {
            shards[i] = new RoomShard(i, loops != null && !loops.isEmpty() ? loops.get(i) : null, roomCount, bridge,
                    new dev.realtime.budget.ByteBudget("shard", shardQueueMaxBytes, metrics), policies,
                    encodingCount);
        }
        metrics.queueBytes("shard", () -> {
            long sum = 0;
            for (RoomShard shard : shards) {
                sum += shard.budget().used();
            }
            return sum;
        });
        this.maxRoomMembers = maxRoomMembers;
        this.alloc = alloc;
        this.metrics = metrics;
        this.encoders = new EventEncoder[encodingCount];
        encoders[Subscriber.JSON] = (e, a) -> WsFrames.encode(json, e, a);
        encoders[Subscriber.BINARY] = (e, a) -> WsFrames.encode(binary, e, a);
        for (int i = 0; i < extraEncoders.size(); i++) {
            encoders[2 + i] = extraEncoders.get(i);
        }
        metrics.gauge("realtime_rooms", "Rooms with at least one local member", roomCount::get);
    }

    /** Whether rooms live on the I/O event loops (else on threads of their own). */
    public boolean onEventLoops() {
        return !shards[0].ownThread();
    }

    /** The encoding index of {@code encoder} (given to the constructor), for its subscribers. */
    public int encodingOf(EventEncoder encoder) {
        for (int i = 2; i < encoders.length; i++) {
            if (encoders[i] == encoder) {
                return i;
            }
        }
        throw new IllegalArgumentException("encoder not registered with this room service");
    }

    /**
     * {@code event} as a room would send it to a connection of {@code encoding}: the same bytes as
     * the frame of a live delivery of that event. The caller owns the buffer.
     */
    public ByteBuf encode(int encoding, ServerMessage.Event event) {
        return encoders[encoding].encode(event, alloc);
    }

    /** Number of rooms that currently have members. */
    public int roomCount() {
        return roomCount.get();
    }

    /** The shard index a room lives on; stable across processes (String.hashCode is specified). */
    public int shardOf(String room) {
        int h = room.hashCode();
        h ^= h >>> 16;
        return (h & 0x7fffffff) % shards.length;
    }

    RoomShard shard(String room) {
        return shards[shardOf(room)];
    }

    /**
     * Whether {@code MAX_ROOM_MEMBERS} refuses another member. The rooms every connection is put in
     * ({@code global}, {@code user:{id}}) are exempt: a cap there would silently cut connections off
     * broadcasts and their own notifications. Shard thread.
     */
    private boolean full(String room, Room r) {
        return maxRoomMembers > 0 && r.size() >= maxRoomMembers
                && !RoomPolicy.GLOBAL.equals(room) && !room.startsWith(RoomPolicy.USER_PREFIX);
    }

    /**
     * Adds {@code s} to {@code room}. {@code done} gets {@code null} on success (also when already a
     * member) or the refusal code, on the subscriber's loop.
     */
    public void join(Subscriber s, String room, Consumer<ErrorCode> done) {
        RoomShard shard = shard(room);
        shard.execute(() -> {
            ErrorCode result = null;
            if (!s.isActive()) {
                result = ErrorCode.UNAVAILABLE;
            } else {
                Room r = shard.getOrCreate(room);
                if (r.contains(s)) {
                    // already a member (or recovering: it becomes one when its replay is read)
                } else if (full(room, r)) {
                    result = ErrorCode.ROOM_FULL;
                } else {
                    r.add(s);
                }
                shard.removeIfEmpty(r);
            }
            if (result != null) {
                answer(s, done, result);
                return;
            }
            // The answer waits until other nodes' events for the room reach this node (at once unless
            // this join just opened the room here), so a client never misses what follows its reply.
            whenSubscribed(room, () -> answer(s, done, null));
        });
    }

    /**
     * Runs {@code then} on the room's shard once the bus delivers {@code room} to this node, or
     * after {@link #SUBSCRIBE_WAIT_MS} when the bus cannot confirm (it is down: nothing arrives anyway).
     * Called on the shard; runs {@code then} inline when the subscription is already in place.
     */
    private void whenSubscribed(String room, Runnable then) {
        java.util.concurrent.CompletableFuture<Void> subscribed = bridge.subscribed(room);
        if (subscribed.isDone()) {
            then.run();
            return;
        }
        RoomShard shard = shard(room);
        subscribed.copy().completeOnTimeout(null, SUBSCRIBE_WAIT_MS, TimeUnit.MILLISECONDS)
                .whenComplete((v, e) -> shard.execute(then));
    }

    /** Longest a join waits for the bus to confirm a new room's subscription. */
    static final long SUBSCRIBE_WAIT_MS = 2_000;

    /** Removes {@code s} from {@code room}; {@code done} (may be null) gets whether it was a member. */
    public void leave(Subscriber s, String room, Consumer<Boolean> done) {
        RoomShard shard = shard(room);
        shard.execute(() -> {
            Room r = shard.get(room);
            boolean was = r != null && r.remove(s);
            if (r != null) {
                shard.removeIfEmpty(r);
            }
            if (done != null) {
                s.outbox().runOrSubmit(o -> done.accept(was));
            }
        });
    }

    /** Removes {@code s} from every room in {@code rooms} (on close). No callback. */
    public void leaveAll(Subscriber s, Collection<String> rooms) {
        for (String room : rooms) {
            leave(s, room, null);
        }
    }

    /**
     * Publishes {@code event} to every member of {@code room}. With a non-null {@code from} the
     * publisher must be a member ({@code not_in_room} otherwise) and {@code done} runs on its loop;
     * with {@code from == null} (server side) {@code done} may be null and runs on the shard thread.
     */
    public void publish(Subscriber from, String room, ServerMessage.Event event, String source,
                        Consumer<ErrorCode> done) {
        publishStamped(from, room, event, source, done == null ? null : (error, stamped) -> done.accept(error));
    }

    /**
     * {@link #publish(Subscriber, String, ServerMessage.Event, String, Consumer)}, with {@code done}
     * also getting the event as it was delivered (with its {@code offset}/{@code epoch} when the room
     * keeps history and the store stamped it), or the refusal code and null.
     */
    public void publishStamped(Subscriber from, String room, ServerMessage.Event event, String source,
                               java.util.function.BiConsumer<ErrorCode, ServerMessage.Event> done) {
        long accepted = System.nanoTime();
        RoomShard shard = shard(room);
        if (shard.inline()) { // the caller is the room's loop: no hand-off
            shard.enter();
            try {
                publishOnShard(shard, from, room, event, source, done, accepted);
            } finally {
                shard.exit();
            }
            return;
        }
        long bytes = Room.approximateBytes(event);
        if (!shard.budget().tryTake(bytes)) {
            overloaded(from, done, source); // the shard is that far behind: refuse rather than pile up
            return;
        }
        shard.executor().execute(() -> {
            shard.budget().give(bytes);
            shard.enter();
            try {
                publishOnShard(shard, from, room, event, source, done, accepted);
            } finally {
                shard.exit();
            }
        });
    }

    private void publishOnShard(RoomShard shard, Subscriber from, String room, ServerMessage.Event event,
                                String source, java.util.function.BiConsumer<ErrorCode, ServerMessage.Event> done,
                                long accepted) {
        Room r = shard.get(room);
        if (from != null && (r == null || !r.contains(from))) {
            answer(from, done, ErrorCode.NOT_IN_ROOM, null);
            return;
        }
        if (!journal.journals(room)) {
            metrics.publishes(source).inc();
            deliverAccepted(shard, room, event, accepted, from, done);
            return;
        }
        // Stamp offset and epoch first (inline, or on the room's lane for a blocking store), then
        // fan out on the shard in append order.
        boolean queued = journal.tryInOrder(room, Room.approximateBytes(event), () -> {
            ServerMessage.Event stamped = journal.append(room, event);
            onShard(shard, () -> deliverAccepted(shard, room, stamped, accepted, from, done));
        });
        if (queued) {
            metrics.publishes(source).inc();
        } else {
            overloaded(from, done, source); // the history lane is that far behind (a slow store)
        }
    }

    /** A publish refused for a full queue: the client is answered {@code unavailable}; counted either way. */
    private void overloaded(Subscriber from, java.util.function.BiConsumer<ErrorCode, ServerMessage.Event> done,
                            String source) {
        metrics.droppedPublishes.labels(source).inc();
        if (from != null) {
            answer(from, done, ErrorCode.UNAVAILABLE, null);
        } else if (done != null) {
            done.accept(ErrorCode.UNAVAILABLE, null);
        }
    }

    /** On the shard: local fan-out, hand-off to other nodes, then the publisher's answer. */
    private void deliverAccepted(RoomShard shard, String room, ServerMessage.Event event, long accepted,
                                 Subscriber from, java.util.function.BiConsumer<ErrorCode, ServerMessage.Event> done) {
        Room r = shard.get(room);
        if (r != null) {
            fanOut(shard, r, event, accepted, null);
        }
        bridge.published(room, event);
        if (from != null) {
            answer(from, done, null, event);
        } else if (done != null) {
            done.accept(null, event);
        }
    }

    /** The next step of an operation already under way: inline on the shard thread, else queued there. */
    private static void onShard(RoomShard shard, Runnable task) {
        if (shard.executor().inEventLoop()) {
            task.run();
        } else {
            shard.executor().execute(() -> shard.runGuarded(task));
        }
    }

    /**
     * Joins {@code room} and replays what {@code s} missed since {@code (epoch, offset)}. The
     * subscriber is in the room from the first step (so nothing published meanwhile, here or on
     * another node, is lost) but receives no live event until the history is read: live events are
     * kept for it and handed over after the replay, minus those the replay or the client already
     * has. So the client sees every event once, in offset order. {@code done} runs on the
     * subscriber's loop with the refusal code, or null and the replay (replayed plus kept events).
     */
    public void joinSince(Subscriber s, String room, String epoch, long offset,
                          java.util.function.BiConsumer<ErrorCode, RoomJournal.Replay> done) {
        if (!journal.journals(room)) {
            join(s, room, error -> done.accept(error, error != null ? null : new RoomJournal.Replay(false, null, 0, List.of())));
            return;
        }
        RoomShard shard = shard(room);
        shard.execute(() -> {
            if (!s.isActive()) {
                s.outbox().runOrSubmit(o -> done.accept(ErrorCode.UNAVAILABLE, null));
                return;
            }
            Room r = shard.getOrCreate(room);
            if (r.contains(s) || full(room, r)) {
                boolean member = r.contains(s);
                shard.removeIfEmpty(r);
                s.outbox().runOrSubmit(o -> done.accept(member ? null : ErrorCode.ROOM_FULL,
                        member ? new RoomJournal.Replay(false, null, 0, List.of()) : null));
                return;
            }
            Room.Recovery token = r.startRecovering(s);
            // Read the history only once other nodes' events reach this node: whatever is appended
            // after the read then arrives here (and is kept), so the gap cannot fall in between.
            whenSubscribed(room, () -> readAndRecover(shard, room, s, token, epoch, offset, done));
        });
    }

    /**
     * A member of {@code room} catches up from {@code (epoch, offset)} without leaving: it turns
     * recovering (live events are kept for it from now on), the history is read, and it gets the
     * events after {@code offset} and then the kept ones, as after {@link #joinSince}. For a client
     * that knows it missed events (dropped as a slow consumer, say) and sends {@code join} with
     * {@code since} for a room it is in. {@code done} runs on the subscriber's loop with
     * {@code not_in_room} when {@code s} is no member (its join was refused or it left meanwhile),
     * or null and the replay; a member already recovering answers {@code recovered=false} at once.
     */
    public void recover(Subscriber s, String room, String epoch, long offset,
                        java.util.function.BiConsumer<ErrorCode, RoomJournal.Replay> done) {
        RoomShard shard = shard(room);
        shard.execute(() -> {
            Room r = shard.get(room);
            if (r == null || !r.contains(s)) {
                s.outbox().runOrSubmit(o -> done.accept(ErrorCode.NOT_IN_ROOM, null));
                return;
            }
            if (!journal.journals(room) || r.recovering(s)) {
                s.outbox().runOrSubmit(o -> done.accept(null, new RoomJournal.Replay(false, null, 0, List.of())));
                return;
            }
            r.remove(s); // a member turns recovering (the room keeps its size: nothing is closed)
            Room.Recovery token = r.startRecovering(s);
            readAndRecover(shard, room, s, token, epoch, offset, done);
        });
    }

    /** On the shard, {@code s} recovering in {@code room}: reads the history in journal order, then finishes. */
    private void readAndRecover(RoomShard shard, String room, Subscriber s, Room.Recovery token, String epoch, long offset,
                                java.util.function.BiConsumer<ErrorCode, RoomJournal.Replay> done) {
        journal.inOrder(room, () -> {
            RoomJournal.Replay read;
            try {
                // The journal bounds the read (events and bytes); a gap it cannot close in one
                // read is not replayed in part: the client reloads (recovered:false).
                read = journal.since(room, epoch, offset, Integer.MAX_VALUE);
                if (!closesGap(read)) {
                    metrics.recoveriesTooLarge.inc();
                    read = new RoomJournal.Replay(false, read.epoch(), read.head(), List.of());
                }
            } catch (RuntimeException e) {
                metrics.storeErrors.labels("history").inc();
                read = new RoomJournal.Replay(false, null, 0, List.of());
            }
            RoomJournal.Replay replay = read;
            onShard(shard, () -> finishRecovery(shard, room, s, token, offset, replay, done));
        });
    }

    /** Whether a recovery read reaches the room's head (a capped read that stopped short does not). */
    private static boolean closesGap(RoomJournal.Replay read) {
        List<ServerMessage.Event> events = read.events();
        return !read.recovered() || events.isEmpty() || events.get(events.size() - 1).offset() == read.head();
    }

    /** On the shard: the recovering subscriber becomes a member and gets the replay, then what was kept. */
    private void finishRecovery(RoomShard shard, String room, Subscriber s, Room.Recovery token, long clientOffset,
                                RoomJournal.Replay replay, java.util.function.BiConsumer<ErrorCode, RoomJournal.Replay> done) {
        Room r = shard.get(room);
        if (r == null || !r.finishRecovering(s, token)) { // it left (and maybe joined again) meanwhile
            if (r != null) {
                shard.removeIfEmpty(r);
            }
            s.outbox().runOrSubmit(o -> done.accept(ErrorCode.UNAVAILABLE, null));
            return;
        }
        r.add(s);
        boolean recovered = replay.recovered() && !token.overflowed;
        long seen = Long.MIN_VALUE;
        if (replay.recovered()) {
            seen = replay.events().isEmpty() ? clientOffset : replay.events().get(replay.events().size() - 1).offset();
            // A replayed event of another node may still be on its way over the bus: not again.
            r.setFloor(s, replay.epoch(), seen);
        }
        List<ServerMessage.Event> events = new ArrayList<>(replay.events());
        for (ServerMessage.Event e : token.kept) {
            if (e.offset() == null || e.offset() > seen) {
                events.add(e);
            }
        }
        RoomJournal.Replay result = new RoomJournal.Replay(recovered, replay.epoch(), replay.head(), events);
        s.outbox().runOrSubmit(o -> done.accept(null, result));
    }

    /**
     * Reads {@code room}'s history: the newest {@code limit} events, or with a non-null {@code epoch}
     * those after {@code (epoch, offset)}. {@code done} runs on a shard or lane thread and gets null
     * when the store failed.
     */
    public void history(String room, int limit, String epoch, long offset, Consumer<RoomJournal.Replay> done) {
        shard(room).execute(() -> journal.inOrder(room, () -> {
            RoomJournal.Replay replay;
            try {
                replay = epoch == null ? journal.latest(room, limit) : journal.since(room, epoch, offset, limit);
            } catch (RuntimeException e) {
                metrics.storeErrors.labels("history").inc();
                replay = null;
            }
            done.accept(replay);
        }));
    }

    /** Whether {@code room} keeps a history (and its events carry offset and epoch). */
    public boolean journals(String room) {
        return journal.journals(room);
    }

    /**
     * Delivers an event that another node published to this node's local members of {@code room}
     * (no membership check, not forwarded again). Safe from any thread.
     */
    public void deliverFromPeer(String room, ServerMessage.Event event) {
        deliverLocally(room, event, "peer");
    }

    /**
     * Delivers {@code event} to this node's members of {@code room} only, never forwarding it: for
     * events every node receives anyway (from another node's publish, or a Redis channel that every
     * node reads). Safe from any thread.
     */
    public void deliverLocally(String room, ServerMessage.Event event, String source) {
        deliverLocally(room, event, source, null);
    }

    /**
     * {@link #deliverLocally(String, ServerMessage.Event, String)} to every local member for which
     * {@code skip} is false ({@code skip} may be null; it runs on the shard and must be cheap): for
     * transient events that leave out their sender (typing, a device's own playback position).
     */
    public void deliverLocally(String room, ServerMessage.Event event, String source,
                               java.util.function.Predicate<Subscriber> skip) {
        long accepted = System.nanoTime();
        RoomShard shard = shard(room);
        if (shard.inline()) {
            shard.enter();
            try {
                deliverLocallyOnShard(shard, room, event, source, skip, accepted);
            } finally {
                shard.exit();
            }
            return;
        }
        long bytes = Room.approximateBytes(event);
        if (!shard.budget().tryTake(bytes)) {
            metrics.droppedPublishes.labels(source).inc();
            return;
        }
        shard.executor().execute(() -> {
            shard.budget().give(bytes);
            shard.enter();
            try {
                deliverLocallyOnShard(shard, room, event, source, skip, accepted);
            } finally {
                shard.exit();
            }
        });
    }

    private void deliverLocallyOnShard(RoomShard shard, String room, ServerMessage.Event event, String source,
                                       java.util.function.Predicate<Subscriber> skip, long accepted) {
        Room r = shard.get(room);
        if (r != null) {
            metrics.publishes(source).inc();
            fanOut(shard, r, event, accepted, skip);
        }
    }

    /**
     * Runs on the room's shard: encode once per encoding in use; members on the shard's own loop are
     * written at once, every other loop gets one task.
     */
    private void fanOut(RoomShard shard, Room r, ServerMessage.Event event, long accepted,
                        java.util.function.Predicate<Subscriber> skip) {
        ByteBuf[] frames = shard.scratchFrames;
        try {
            for (int i = 0; i < frames.length; i++) {
                if (r.hasMembers(i)) {
                    frames[i] = encoders[i].encode(event, alloc);
                }
            }
            Subscriber solo = r.solo();
            if (solo != null && r.receives(solo, event) && (skip == null || !skip.test(solo))) {
                LoopOutbox o = solo.outbox();
                if (o.loop().inEventLoop()) {
                    o.deliverNow(solo, frames, accepted, r.writeDelayMs, r.slowConsumer);
                } else {
                    o.submit(new Delivery(retainAll(frames), new Subscriber[] {solo}, accepted, r.writeDelayMs, r.slowConsumer));
                }
            }
            for (int i = 0, n = r.groupCount(); i < n; i++) {
                Room.LoopGroup g = r.group(i);
                Subscriber[] to = r.recipients(g, event);
                if (skip != null) {
                    to = without(to, skip);
                }
                if (to.length == 0) {
                    continue;
                }
                if (g.outbox.loop().inEventLoop()) {
                    g.outbox.deliverNow(to, frames, accepted, r.writeDelayMs, r.slowConsumer);
                } else {
                    g.outbox.submit(new Delivery(retainAll(frames), to, accepted, r.writeDelayMs, r.slowConsumer));
                }
            }
        } finally {
            for (int i = 0; i < frames.length; i++) {
                release(frames[i]);
                frames[i] = null;
            }
        }
        r.keepForRecovering(event, skip);
    }

    /** {@code to} without the subscribers {@code skip} matches (the same array when none does). */
    private static Subscriber[] without(Subscriber[] to, java.util.function.Predicate<Subscriber> skip) {
        for (int i = 0; i < to.length; i++) {
            if (skip.test(to[i])) {
                List<Subscriber> kept = new ArrayList<>(to.length - 1);
                for (int j = 0; j < to.length; j++) {
                    if (j != i && (j < i || !skip.test(to[j]))) {
                        kept.add(to[j]);
                    }
                }
                return kept.toArray(Subscriber[]::new);
            }
        }
        return to;
    }

    private static ByteBuf[] retainAll(ByteBuf[] frames) {
        ByteBuf[] out = new ByteBuf[frames.length];
        for (int i = 0; i < frames.length; i++) {
            out[i] = frames[i] == null ? null : frames[i].retain();
        }
        return out;
    }

    private static void release(ByteBuf b) {
        if (b != null) {
            b.release();
        }
    }

    /**
     * Runs {@code task} on {@code s}'s loop once every event published to {@code room} on this node
     * before this call has been handed to {@code s} (written, or held behind a replay): the task
     * travels the same path as those events, through the room's shard. For an answer that must
     * follow them, e.g. a reconnect's unread notifications, read after their live copies were
     * published to the user room. Safe from any thread; {@code task} is dropped with the loop.
     */
    public void afterPublished(String room, Subscriber s, Runnable task) {
        shard(room).execute(() -> s.outbox().runOrSubmit(o -> task.run()));
    }

    private static void answer(Subscriber s, Consumer<ErrorCode> done, ErrorCode result) {
        if (done != null) {
            s.outbox().runOrSubmit(o -> done.accept(result));
        }
    }

    private static void answer(Subscriber s, java.util.function.BiConsumer<ErrorCode, ServerMessage.Event> done,
                               ErrorCode result, ServerMessage.Event event) {
        if (done != null) {
            s.outbox().runOrSubmit(o -> done.accept(result, event));
        }
    }

    /** A snapshot of every room and its connection count, gathered from all shards. */
    public CompletableFuture<List<RoomStat>> snapshot() {
        List<CompletableFuture<List<RoomStat>>> parts = new ArrayList<>();
        for (RoomShard shard : shards) {
            CompletableFuture<List<RoomStat>> part = new CompletableFuture<>();
            shard.execute(() -> {
                List<RoomStat> stats = new ArrayList<>();
                for (Room r : shard.rooms()) {
                    stats.add(new RoomStat(r.name, r.size()));
                }
                part.complete(stats);
            });
            parts.add(part);
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<RoomStat> all = new ArrayList<>();
            parts.forEach(p -> all.addAll(p.join()));
            return all;
        });
    }

    /**
     * Stops the shard threads after the tasks already queued. Rooms on the I/O loops stop with the
     * loops (the server shuts those down).
     */
    public void shutdown() {
        for (RoomShard shard : shards) {
            if (shard.ownThread()) {
                shard.executor().shutdownGracefully(0, 2, TimeUnit.SECONDS);
            }
        }
        for (RoomShard shard : shards) {
            if (shard.ownThread()) {
                shard.executor().terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }
}
