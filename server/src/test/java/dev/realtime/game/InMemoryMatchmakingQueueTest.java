package dev.realtime.game;

/** The matchmaking contract in memory: every node() is the same instance, as nodes in one JVM share it. */
class InMemoryMatchmakingQueueTest extends MatchmakingQueueContract {
    private final InMemoryMatchmakingQueue shared = new InMemoryMatchmakingQueue();

    @Override
    MatchmakingQueue node() {
        return shared;
    }
}
