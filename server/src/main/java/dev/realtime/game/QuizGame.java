package dev.realtime.game;

import dev.realtime.cluster.NodeSignals;
import dev.realtime.config.GatewayConfig;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.ingest.EventForwarding;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.presence.PresenceTracker;
import dev.realtime.room.RoomGuard;
import dev.realtime.room.RoomPolicy;
import dev.realtime.room.RoomService;
import dev.realtime.session.Session;
import dev.realtime.session.SessionListener;
import dev.realtime.store.Stores;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seed 000's quiz: matchmaking and 1v1 rapid-quiz matches, on one node (in-memory stores) or across a
 * cluster (the Redis {@link MatchmakingQueue} and {@link MatchStore}, signals over the bus). This
 * class only wires the parts and is the feature's one entry point for the server:
 * {@link #install} registers the emit handlers and the signal handler and starts the threads;
 * the server adds {@link #sessionListener()}, the {@link #roomGuard()} of {@code match:*}, and
 * closes it on shutdown.
 *
 * <p>Parts: {@link GameEmits} (input), {@link Matchmaker} (queue, pairing, sweep; thread
 * {@code rt-game-<node>}), {@link MatchLanes} (running matches; threads {@code rt-game-<node>-<i>}),
 * {@link Match} (the rules, without Netty), {@link MatchEvents} (what players see),
 * {@link LocalPlayers} and {@link MatchDirectory} (this node's view). See docs/architecture.md.
 */
public final class QuizGame implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuizGame.class);
    /** Game types this server runs. */
    public static final List<String> GAME_TYPES = List.of("1v1_rapid_quiz");
    /** Match ids (and match room names) start with this. */
    public static final String ROOM_PREFIX = "match:";

    /** The shared stores of the quiz: built once per {@link Stores} (so an in-JVM cluster shares them). */
    record Backend(MatchmakingQueue queue, MatchStore matches) {
        static Backend of(Stores stores) {
            return stores.shared()
                    ? new Backend(new RedisMatchmakingQueue(stores.redis(), stores.keyPrefix()),
                            new RedisMatchStore(stores.redis(), stores.keyPrefix()))
                    : new Backend(new InMemoryMatchmakingQueue(), new InMemoryMatchStore());
        }
    }

    /** What the quiz needs from the node. {@code forwarding} is null when nothing goes to Kafka. */
    public record Wiring(GatewayConfig config, Stores stores, RoomService rooms, NodeSignals signals,
                         PresenceTracker presence, EventForwarding forwarding, GatewayMetrics metrics) {
    }

    private final MatchDirectory directory = new MatchDirectory();
    private final LocalPlayers players = new LocalPlayers();
    private final MatchLanes lanes;
    private final Matchmaker matchmaker;
    private final SessionListener listener;

    private QuizGame(Wiring w, QuestionBank bank, LongSupplier clock) {
        Backend backend = w.stores().extension(Backend.class, Backend::of);
        GameMetrics metrics = new GameMetrics(w.metrics());
        String node = w.config().nodeId();
        var game = w.config().game();
        lanes = new MatchLanes(node, backend.matches(), backend.queue(), w.stores().presence(), players, directory,
                new MatchEvents(w.rooms(), w.forwarding()), metrics, game, clock);
        matchmaker = new Matchmaker(node, GAME_TYPES, backend.queue(), backend.matches(), bank, game, lanes, directory,
                w.signals(), w.presence(), w.stores().presence(), metrics, clock);
        listener = new Listener();
        w.signals().register(Matchmaker.SIGNAL_FOUND, (room, body) -> lanes.found(userOf(room), MatchCodec.decode(body)));
        w.signals().register(Matchmaker.SIGNAL_QUEUED, (room, body) -> {
            String user = userOf(room);
            if (!players.of(user).isEmpty()) {
                matchmaker.queuedHere.add(user);
            }
        });
    }

    private static String userOf(String userRoom) {
        return userRoom.substring(RoomPolicy.USER_PREFIX.length());
    }

    /**
     * Loads the question bank ({@code QUESTIONS_FILE} or the bundled one: a bad file throws
     * {@link QuestionBankException}), registers the emit handlers and starts matchmaking.
     */
    public static QuizGame install(Wiring w, EmitRegistry emits) {
        var game = w.config().game();
        QuestionBank bank = QuestionBank.load(game.questionsFile(), game.questionsPerMatch());
        QuizGame quiz = new QuizGame(w, bank, System::currentTimeMillis);
        new GameEmits(GAME_TYPES, quiz.matchmaker, quiz.lanes, quiz.directory).register(emits);
        quiz.matchmaker.start();
        log.info("quiz: {} questions from {} ({} topics), {} per match, matches end after {} ms, grace {} ms",
                bank.size(), bank.origin(), bank.topics().size(), game.questionsPerMatch(), game.matchTimeoutMs(),
                game.reconnectGraceMs());
        return quiz;
    }

    /** Follows connections: resume on connect, leave the queue / start the grace on the last disconnect. */
    public SessionListener sessionListener() {
        return listener;
    }

    /** Who may join {@code match:*} rooms: the match's two players. */
    public RoomGuard roomGuard() {
        return directory;
    }

    /** Runs on event loops (see {@link SessionListener}); only enqueues. */
    private final class Listener implements SessionListener {
        @Override
        public void connected(Session s) {
            if (s.principal() == null || s.principal().anonymous()) {
                return;
            }
            String user = s.principal().userId();
            players.add(user, s);
            matchmaker.connected(user, s);
        }

        @Override
        public void disconnected(Session s, Set<String> rooms) {
            if (s.principal() == null || s.principal().anonymous()) {
                return;
            }
            String user = s.principal().userId();
            if (players.remove(user, s) && (matchmaker.queuedHere.contains(user) || directory.matchOf(user) != null)) {
                matchmaker.lastLocalConnectionClosed(user);
            }
        }
    }

    @Override
    public void close() {
        matchmaker.close();
        lanes.close();
    }
}
