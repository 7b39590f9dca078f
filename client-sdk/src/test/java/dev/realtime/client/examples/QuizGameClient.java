package dev.realtime.client.examples;

import dev.realtime.client.ConnectedInfo;
import dev.realtime.client.RealtimeClient;
import dev.realtime.client.RealtimeException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A quiz player: joins matchmaking for a 1v1 rapid quiz, answers every question of the match it is
 * put in, and prints the live score until the match is complete.
 *
 * <p>Run (from the repository root): {@code RT_TOKEN=<jwt> mvn -q -pl client-sdk -am -DskipTests
 * test-compile exec:java -Dexample=QuizGameClient -Dexec.args=ws://localhost:8080/ws}. Game logic runs
 * on its own single thread, never on the client's event loop.
 */
public final class QuizGameClient {

    /** {@code match:found}: the match, the opponent and the questions (never the answers). */
    public record MatchFound(String matchId, String opponentClientId, String opponentUserId, List<Question> questions) {
    }

    /** One question of a match. */
    public record Question(String id, String question, List<String> options) {
    }

    /** {@code match:submitAnswer} data: the chosen option and the question timer when answering. */
    public record Answer(String answer, long timer) {
    }

    /** One player's progress in a {@code match:stateUpdate}. */
    public record PlayerState(int score, int activeQuestionIndex, long timer) {
    }

    /** {@code match:stateUpdate}: both players' progress. */
    public record StateUpdate(String matchId, PlayerState playerA, PlayerState playerB, boolean isMatchComplete,
                              int totalQuestions) {
    }

    private QuizGameClient() {
    }

    public static void main(String[] args) throws Exception {
        String uri = args.length > 0 ? args[0] : "ws://localhost:8080/ws";
        ExecutorService game = Executors.newSingleThreadExecutor(); // game logic: off the event loop
        CountDownLatch matchOver = new CountDownLatch(1);
        try (RealtimeClient client = RealtimeClient.builder()
                .uri(uri)
                .token(Objects.requireNonNull(System.getenv("RT_TOKEN"), "set RT_TOKEN to a JWT"))
                .build()) {
            // Handlers run on the client's event loop: hand the work to the game thread.
            client.on("match:found", MatchFound.class, match -> game.execute(() -> play(client, match, game)));
            client.on("match:stateUpdate", StateUpdate.class, update -> {
                System.out.printf("score %d : %d%n", update.playerA().score(), update.playerB().score());
                if (update.isMatchComplete()) {
                    matchOver.countDown();
                }
            });
            client.onError(e -> System.err.println("server error: " + e.code() + " " + e.getMessage()));

            ConnectedInfo me = client.connect().get(10, TimeUnit.SECONDS);
            System.out.println("connected as " + me.userId());
            try {
                client.emit("matchmaking:join", Map.of("gameType", "1v1_rapid_quiz")).get(10, TimeUnit.SECONDS);
                System.out.println("waiting for an opponent...");
            } catch (ExecutionException e) {
                RealtimeException error = RealtimeException.unwrap(e);
                if (error != null && "unknown_event".equals(error.code())) {
                    System.err.println("this server has no matchmaking handlers yet (they come in a later release)");
                    return;
                }
                throw e;
            }
            if (!matchOver.await(10, TimeUnit.MINUTES)) {
                System.err.println("no result within 10 minutes");
            }
            client.emit("matchmaking:leave", null); // harmless if the match is over
        } finally {
            game.shutdownNow();
        }
    }

    /** Answers the match's questions one after the other; each answer waits for the previous reply. */
    private static void play(RealtimeClient client, MatchFound match, ExecutorService game) {
        System.out.println("match " + match.matchId() + " against " + match.opponentUserId());
        CompletableFuture<Object> chain = CompletableFuture.completedFuture(null);
        for (Question q : match.questions()) {
            chain = chain.thenComposeAsync(previous -> {
                System.out.println(q.question() + " " + q.options());
                String choice = q.options().isEmpty() ? "" : q.options().get(0); // a real UI asks the player
                return client.emit("match:submitAnswer", new Answer(choice, 10), Object.class);
            }, game);
        }
        chain.whenComplete((last, error) -> {
            if (error != null) {
                RealtimeException e = RealtimeException.unwrap(error);
                System.err.println("answer refused: " + (e != null ? e.code() + " " + e.getMessage() : error));
            } else {
                System.out.println("all answers sent");
            }
        });
    }
}
