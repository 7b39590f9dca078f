package dev.realtime.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IpRangeTest {
    @Test
    void addressesAndRanges() {
        IpRange one = IpRange.parse("10.0.0.7");
        assertTrue(one.contains("10.0.0.7"));
        assertFalse(one.contains("10.0.0.8"));
        assertTrue(one.contains("::ffff:10.0.0.7"), "an IPv4-mapped peer is the same address");
        IpRange eight = IpRange.parse(" 10.0.0.0/8 ");
        assertTrue(eight.contains("10.255.1.2"));
        assertFalse(eight.contains("11.0.0.1"));
        IpRange odd = IpRange.parse("192.168.4.0/22");
        assertTrue(odd.contains("192.168.7.255"));
        assertFalse(odd.contains("192.168.8.0"));
        assertTrue(IpRange.parse("::1").contains("0:0:0:0:0:0:0:1"));
        assertTrue(IpRange.parse("fd00::/8").contains("fd12:3456::1"));
        assertFalse(IpRange.parse("fd00::/8").contains("10.0.0.1"));
        assertTrue(IpRange.parse("0.0.0.0/0").contains("8.8.8.8"));
        assertFalse(one.contains("not-an-ip"));
        assertFalse(one.contains(null));
    }

    @Test
    void whatIsNotARange() {
        for (String bad : new String[] {"localhost", "bogus", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x", "", "10.0.0", "::1/129"}) {
            assertNull(IpRange.parse(bad), bad);
        }
    }
}
