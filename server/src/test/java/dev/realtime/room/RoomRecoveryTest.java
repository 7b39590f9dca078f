package dev.realtime.room;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.config.GatewayConfig.SlowConsumerPolicy;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a room keeps for members whose recovering join is still reading the history. */
class RoomRecoveryTest {

    /**
     * A transient event that leaves out its own user (their {@code room:user_joined}, their typing)
     * must leave out that user's recovering connections too, not reach them after their replay.
     */
    @Test
    void eventsKeptForRecoveringMembersLeaveOutWhomTheFanOutLeftOut() {
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            LoopOutbox outbox = new LoopOutbox(ch.eventLoop(), new GatewayMetrics(), SlowConsumerPolicy.DROP);
            Subscriber bob = new Subscriber("s1", "bob", ch, false, outbox);
            Subscriber carol = new Subscriber("s2", "carol", ch, false, outbox);
            Room room = new Room("lobby");
            Room.Recovery forBob = room.startRecovering(bob);
            Room.Recovery forCarol = room.startRecovering(carol);
            ServerMessage.Event joined = new ServerMessage.Event("lobby", "room:user_joined",
                    Payload.json("{\"userId\":\"bob\"}"), null, null);
            ServerMessage.Event said = new ServerMessage.Event("lobby", "said", Payload.json("1"), 7L, "e");
            room.keepForRecovering(joined, s -> "bob".equals(s.userId()));
            room.keepForRecovering(said, null);
            assertEquals(List.of(said), forBob.kept);
            assertEquals(List.of(joined, said), forCarol.kept);
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
