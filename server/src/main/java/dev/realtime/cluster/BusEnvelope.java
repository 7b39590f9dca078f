package dev.realtime.cluster;

import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A room event as it travels between nodes (and as the room history stores it): origin node, room,
 * and the event (name, data, whether the event shows its room, its history position). Layout:
 * {@code u8 version(1), utf origin, utf room, utf event, u8 flags (1 = show room, 2 = data present,
 * 4 = binary data, 8 = position present), [i32 length, bytes], [i64 offset, utf epoch]}.
 *
 * @param origin the node that published it (receivers drop their own)
 */
public record BusEnvelope(String origin, String room, ServerMessage.Event event) {
    private static final int VERSION = 1;
    private static final int SHOW_ROOM = 1;
    private static final int HAS_DATA = 2;
    private static final int BINARY = 4;
    private static final int POSITION = 8;
    /** Envelopes larger than this are refused when decoding (a corrupt length must not allocate). */
    public static final int MAX_DATA_BYTES = 16 * 1024 * 1024;

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (event.data() == null ? 0 : event.data().bytes().length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(origin);
            out.writeUTF(room);
            out.writeUTF(event.event());
            Payload data = event.data();
            boolean positioned = event.offset() != null && event.epoch() != null;
            int flags = (event.room() != null ? SHOW_ROOM : 0) | (data != null ? HAS_DATA : 0)
                    | (data != null && !data.isJson() ? BINARY : 0) | (positioned ? POSITION : 0);
            out.writeByte(flags);
            if (data != null) {
                out.writeInt(data.bytes().length);
                out.write(data.bytes());
            }
            if (positioned) {
                out.writeLong(event.offset());
                out.writeUTF(event.epoch());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Whether {@code bytes} is an envelope published by {@code nodeId}: reads only the header, so a
     * node drops its own echoes without copying their payloads. False for anything malformed.
     */
    public static boolean isFrom(byte[] bytes, String nodeId) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return in.readUnsignedByte() == VERSION && nodeId.equals(in.readUTF());
        } catch (IOException e) {
            return false;
        }
    }

    /** Decodes an envelope; throws {@link IllegalArgumentException} for anything malformed. */
    public static BusEnvelope decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown envelope version " + version);
            }
            String origin = in.readUTF();
            String room = in.readUTF();
            String event = in.readUTF();
            int flags = in.readUnsignedByte();
            Payload data = null;
            if ((flags & HAS_DATA) != 0) {
                int len = in.readInt();
                if (len < 0 || len > MAX_DATA_BYTES || len > in.available()) {
                    throw new IllegalArgumentException("bad data length " + len);
                }
                byte[] b = in.readNBytes(len);
                data = (flags & BINARY) != 0 ? Payload.binary(b) : Payload.json(b);
            }
            Long offset = null;
            String epoch = null;
            if ((flags & POSITION) != 0) {
                offset = in.readLong();
                epoch = in.readUTF();
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("trailing bytes");
            }
            return new BusEnvelope(origin, room,
                    new ServerMessage.Event((flags & SHOW_ROOM) != 0 ? room : null, event, data, offset, epoch));
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated envelope", e);
        }
    }
}
