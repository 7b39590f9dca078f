package dev.realtime.socketio;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.realtime.protocol.Payload;
import dev.realtime.ws.WsFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;

/**
 * Server-to-client Engine.IO and Socket.IO packets, written as complete unmasked WebSocket frames
 * (the form every outbound packet takes here, whatever the transport: long-polling unwraps them,
 * see {@link PollingQueue}). Packets with binary attachments are several frames in one buffer: the
 * text packet, then one binary frame per attachment. Stateless.
 */
final class SioFrames {
    private static final byte[] PLACEHOLDER = "{\"_placeholder\":true,\"num\":0}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private SioFrames() {
    }

    /** A text Engine.IO packet such as {@code 2} (ping), {@code 6} (noop), {@code 1} (close), {@code 3probe}. */
    static ByteBuf engine(ByteBufAllocator alloc, String packet) {
        return WsFrames.encode(alloc, false, b -> ByteBufUtil.writeAscii(b, packet));
    }

    /** Engine.IO OPEN: {@code 0{"sid":..,"upgrades":[..],"pingInterval":..,"pingTimeout":..,"maxPayload":..}}. */
    static String open(String sid, boolean upgrades, long pingInterval, long pingTimeout, int maxPayload) {
        return "0{\"sid\":\"" + sid + "\",\"upgrades\":" + (upgrades ? "[\"websocket\"]" : "[]")
                + ",\"pingInterval\":" + pingInterval + ",\"pingTimeout\":" + pingTimeout
                + ",\"maxPayload\":" + maxPayload + "}";
    }

    /** CONNECT accepted: {@code 40{"sid":..[,"pid":..]}}. */
    static ByteBuf connect(ByteBufAllocator alloc, String sid, String pid) {
        return WsFrames.encode(alloc, false, b -> {
            ByteBufUtil.writeAscii(b, "40{\"sid\":");
            quoted(b, sid);
            if (pid != null) {
                ByteBufUtil.writeAscii(b, ",\"pid\":");
                quoted(b, pid);
            }
            b.writeByte('}');
        });
    }

    /** CONNECT refused: {@code 44[<nsp>,]{"message":..[,"data":<json>]}}. */
    static ByteBuf connectError(ByteBufAllocator alloc, String nsp, String message, byte[] dataJson) {
        return WsFrames.encode(alloc, false, b -> {
            ByteBufUtil.writeAscii(b, "44");
            if (!"/".equals(nsp)) {
                b.writeBytes(nsp.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                b.writeByte(',');
            }
            ByteBufUtil.writeAscii(b, "{\"message\":");
            quoted(b, message);
            if (dataJson != null) {
                ByteBufUtil.writeAscii(b, ",\"data\":");
                b.writeBytes(dataJson);
            }
            b.writeByte('}');
        });
    }

    /** DISCONNECT of the main namespace: {@code 41}. */
    static ByteBuf disconnect(ByteBufAllocator alloc) {
        return engine(alloc, "41");
    }

    /**
     * EVENT {@code 42["event"[,data][,"offset"]]}; a raw-bytes payload becomes BINARY_EVENT
     * {@code 451-["event",{"_placeholder":true,"num":0}[,"offset"]]} plus the bytes in a binary frame.
     */
    static ByteBuf event(ByteBufAllocator alloc, String event, Payload data, String offset) {
        boolean binary = data != null && !data.isJson();
        ByteBuf text = WsFrames.encode(alloc, false, b -> {
            ByteBufUtil.writeAscii(b, binary ? "451-[" : "42[");
            quoted(b, event);
            if (data != null) {
                b.writeByte(',');
                b.writeBytes(binary ? PLACEHOLDER : data.bytes());
            }
            if (offset != null) {
                b.writeByte(',');
                quoted(b, offset);
            }
            b.writeByte(']');
        });
        return binary ? withAttachment(alloc, text, data.bytes()) : text;
    }

    /** ACK {@code 43<id>[data]} ({@code 43<id>[]} without data); raw bytes become BINARY_ACK {@code 461-<id>[..]}. */
    static ByteBuf ack(ByteBufAllocator alloc, long id, Payload data) {
        boolean binary = data != null && !data.isJson();
        ByteBuf text = WsFrames.encode(alloc, false, b -> {
            ByteBufUtil.writeAscii(b, binary ? "461-" : "43");
            ByteBufUtil.writeAscii(b, Long.toString(id));
            b.writeByte('[');
            if (data != null) {
                b.writeBytes(binary ? PLACEHOLDER : data.bytes());
            }
            b.writeByte(']');
        });
        return binary ? withAttachment(alloc, text, data.bytes()) : text;
    }

    private static ByteBuf withAttachment(ByteBufAllocator alloc, ByteBuf text, byte[] bytes) {
        ByteBuf attachment = WsFrames.encode(alloc, true, b -> b.writeBytes(bytes));
        CompositeByteBuf both = alloc.compositeDirectBuffer(2);
        both.addComponents(true, text, attachment);
        return both;
    }

    static void quoted(ByteBuf b, String s) {
        b.writeByte('"');
        b.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(s));
        b.writeByte('"');
    }
}
