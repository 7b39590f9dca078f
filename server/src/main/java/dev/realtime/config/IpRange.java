package dev.realtime.config;

import io.netty.util.NetUtil;

/**
 * One {@code TRUSTED_PROXIES} entry: an IP address ({@code 10.0.0.7}, {@code ::1}) or a CIDR range
 * ({@code 10.0.0.0/8}, {@code fd00::/8}). Addresses are compared as bytes, so {@code ::1} and
 * {@code 0:0:0:0:0:0:0:1} are one address; host names are not accepted (no DNS at request time).
 * Immutable.
 */
public record IpRange(byte[] network, int prefixBits) {

    /** The range {@code text} denotes, or null when it is neither an IP literal nor a CIDR range. */
    public static IpRange parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        byte[] address = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? t : t.substring(0, slash));
        if (address == null) {
            return null;
        }
        int bits = address.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (bits < 0 || bits > address.length * 8) {
                return null;
            }
        }
        return new IpRange(address, bits);
    }

    /** Whether {@code text} (an IP literal, e.g. a socket peer or an X-Forwarded-For hop) is in this range. */
    public boolean contains(String text) {
        byte[] a = text == null ? null : NetUtil.createByteArrayFromIpAddressString(text.trim());
        if (a != null && a.length == 16 && network.length == 4 && isMappedV4(a)) {
            a = java.util.Arrays.copyOfRange(a, 12, 16); // ::ffff:10.0.0.7 is 10.0.0.7
        }
        if (a == null || a.length != network.length) {
            return false;
        }
        int full = prefixBits / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixBits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }

    private static boolean isMappedV4(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }
}
