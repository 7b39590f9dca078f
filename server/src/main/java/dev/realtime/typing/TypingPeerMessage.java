package dev.realtime.typing;

import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What one node tells the others about one user typing in one room: whether the user types on any
 * of its devices there, and both events the room may hear ({@code on} and {@code off}), so that a
 * receiving node can announce the end itself when the sender goes silent (a node that died).
 *
 * <p>Layout: {@code u8 version, u8 typing, utf userId, utf event, i32 length + on's JSON data,
 * rest: off's JSON data}; both events carry the room (it travels as the peer message's room).
 */
record TypingPeerMessage(String userId, boolean typing, ServerMessage.Event on, ServerMessage.Event off) {
    private static final int VERSION = 1;

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeByte(typing ? 1 : 0);
            out.writeUTF(userId);
            out.writeUTF(on.event());
            byte[] onData = on.data().bytes();
            out.writeInt(onData.length);
            out.write(onData);
            out.write(off.data().bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Throws {@link IllegalArgumentException} for a body this version does not read. */
    static TypingPeerMessage decode(String room, byte[] body) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
            if (in.readUnsignedByte() != VERSION) {
                throw new IllegalArgumentException("unknown typing message version");
            }
            boolean typing = in.readUnsignedByte() != 0;
            String user = in.readUTF();
            String event = in.readUTF();
            int onLength = in.readInt();
            if (onLength < 0 || onLength > in.available()) {
                throw new IllegalArgumentException("bad length " + onLength);
            }
            byte[] onData = in.readNBytes(onLength);
            byte[] offData = in.readAllBytes();
            return new TypingPeerMessage(user, typing,
                    new ServerMessage.Event(room, event, Payload.json(onData), null, null),
                    new ServerMessage.Event(room, event, Payload.json(offData), null, null));
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated typing message", e);
        }
    }
}
