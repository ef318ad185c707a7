package io.github.h3connector.servlet;

import java.net.InetAddress;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InetAddressRangeTest
{
    static Stream<Arguments> matches()
    {
        return Stream.of(
            // range, address, expected
            Arguments.of("127.0.0.1", "127.0.0.1", true),
            Arguments.of("127.0.0.1", "127.0.0.2", false),
            Arguments.of("127.0.0.0/8", "127.255.255.254", true),
            Arguments.of("127.0.0.0/8", "128.0.0.1", false),
            Arguments.of("10.0.0.0/8", "10.1.2.3", true),
            Arguments.of("10.0.0.0/8", "11.0.0.1", false),
            Arguments.of("10.0.0.0/8", "9.255.255.255", false),
            Arguments.of("192.168.1.128/25", "192.168.1.200", true),
            Arguments.of("192.168.1.128/25", "192.168.1.127", false),
            Arguments.of("0.0.0.0/0", "203.0.113.9", true),
            Arguments.of("0.0.0.0/0", "::1", false),
            Arguments.of("255.255.255.255/32", "255.255.255.255", true),
            // IPv4-mapped IPv6 addresses are their IPv4 address, both ways.
            Arguments.of("10.0.0.0/8", "::ffff:10.1.2.3", true),
            Arguments.of("10.0.0.0/8", "::FFFF:0a01:0203", true),
            Arguments.of("10.0.0.0/8", "0:0:0:0:0:ffff:a01:203", true),
            Arguments.of("10.0.0.0/8", "[::ffff:10.1.2.3]", true),
            Arguments.of("10.0.0.0/8", "::ffff:11.1.2.3", false),
            Arguments.of("::ffff:10.0.0.0/104", "10.9.9.9", true),
            Arguments.of("::ffff:10.0.0.0/104", "11.9.9.9", false),
            Arguments.of("::ffff:127.0.0.1", "127.0.0.1", true),
            // An IPv4-compatible (not mapped) address is IPv6.
            Arguments.of("10.0.0.0/8", "::10.1.2.3", false),
            Arguments.of("::10.1.2.3", "::a01:203", true),
            // IPv6
            Arguments.of("::1", "::1", true),
            Arguments.of("::1", "0:0:0:0:0:0:0:1", true),
            Arguments.of("::1", "[::1]", true),
            Arguments.of("::1", "::2", false),
            Arguments.of("::1", "127.0.0.1", false),
            Arguments.of("::1/128", "::1", true),
            Arguments.of("::/0", "2001:db8::1", true),
            Arguments.of("::/0", "10.0.0.1", false),
            Arguments.of("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true),
            Arguments.of("2001:db8::/32", "2001:DB8::", true),
            Arguments.of("2001:db8::/32", "2001:db9::1", false),
            Arguments.of("2001:db8::/33", "2001:db8:7fff::1", true),
            Arguments.of("2001:db8::/33", "2001:db8:8000::1", false),
            Arguments.of("2001:db8:0:0:8000::/65", "2001:db8::8000:0:0:1", true),
            Arguments.of("2001:db8:0:0:8000::/65", "2001:db8::7fff:0:0:1", false),
            Arguments.of("fd00::/8", "fdab:cdef::1", true),
            Arguments.of("fd00::/8", "fc00::1", false),
            Arguments.of("fe80::/10", "fe80::1%eth0", true),
            Arguments.of("fe80::/10", "[fe80::1%25]", true),
            Arguments.of("fe80::/10", "febf::1", true),
            Arguments.of("fe80::/10", "fec0::1", false),
            Arguments.of("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", true),
            Arguments.of("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:9", false),
            Arguments.of("1::8", "1:0:0:0:0:0:0:8", true),
            Arguments.of("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", true),
            // Not literals, or malformed: never trusted.
            Arguments.of("0.0.0.0/0", "localhost", false),
            Arguments.of("0.0.0.0/0", "", false),
            Arguments.of("0.0.0.0/0", "1.2.3", false),
            Arguments.of("0.0.0.0/0", "1.2.3.4.5", false),
            Arguments.of("0.0.0.0/0", "1.2.3.256", false),
            Arguments.of("0.0.0.0/0", "01.2.3.4", false),
            Arguments.of("0.0.0.0/0", "1..3.4", false),
            Arguments.of("0.0.0.0/0", "1.2.3.4 ", false),
            Arguments.of("0.0.0.0/0", "١.2.3.4", false),
            Arguments.of("::/0", ":::", false),
            Arguments.of("::/0", "1::2::3", false),
            Arguments.of("::/0", "12345::", false),
            Arguments.of("::/0", "g::", false),
            Arguments.of("::/0", ":1", false),
            Arguments.of("::/0", "1:", false),
            Arguments.of("::/0", "1:2:3:4:5:6:7:8:9", false),
            Arguments.of("::/0", "1:2:3:4:5:6:7::8", false),
            Arguments.of("::/0", "1:2:3:4:5:6:7", false),
            Arguments.of("::/0", "::1.2.3.4:5", false),
            Arguments.of("::/0", "1.2.3.4::", false),
            Arguments.of("::/0", "::ffff:1.2.3", false),
            Arguments.of("::/0", "[::1", false));
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @MethodSource("matches")
    void matches(String range, String address, boolean expected)
    {
        assertEquals(expected, InetAddressRange.parse(range).contains(address));
    }

    /** The scanner agrees with the JDK's own literal parser on the address it denotes. */
    @ParameterizedTest
    @ValueSource(strings = {"::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2::7:8", "::ffff:1.2.3.4", "::1.2.3.4",
        "2001:db8::ff00:42:8329", "fe80::1:2:3:4", "0:0:0:0:0:0:0:0", "abcd:ef01:2345:6789:abcd:ef01:2345:6789",
        "1:2:3:4:5:6:1.2.3.4", "1::1.2.3.4", "ABCD::"})
    void agreesWithTheJdk(String literal) throws Exception
    {
        // getByName does no DNS for a literal.
        InetAddress address = InetAddress.getByName(literal);
        String normalised = address.getHostAddress();
        assertTrue(InetAddressRange.parse(literal).contains(normalised), literal + " vs " + normalised);
        assertTrue(InetAddressRange.parse(normalised).contains(literal), normalised + " vs " + literal);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "proxy.example.com", "1.2.3", "1.2.3.4/", "1.2.3.4/33", "1.2.3.4/-1",
        "1.2.3.0/24/1", "::1/129", "::/x", "1.2.3.4/8", "2001:db8::1/32", "::ffff:10.1.2.3/104", "[::1]", "010.0.0.1"})
    void refused(String spec)
    {
        assertThrows(IllegalArgumentException.class, () -> InetAddressRange.parse(spec));
    }

    @Test
    void trustedProxiesList()
    {
        TrustedProxies proxies = TrustedProxies.parse(" 127.0.0.1,::1\n\t10.0.0.0/8 , fd00::/8,,");
        assertEquals("127.0.0.1, ::1, 10.0.0.0/8, fd00::/8", proxies.toString());
        for (String trusted : List.of("127.0.0.1", "::1", "[::1]", "10.200.0.1", "::ffff:10.0.0.1", "fd12::1", "::ffff:127.0.0.1"))
            assertTrue(proxies.contains(trusted), trusted);
        for (String untrusted : List.of("127.0.0.2", "::2", "11.0.0.1", "fe80::1", "192.168.0.1"))
            assertFalse(proxies.contains(untrusted), untrusted);
        assertFalse(proxies.contains(null));
        assertFalse(proxies.trustsEveryone());
        assertTrue(TrustedProxies.parse("0.0.0.0/0").trustsEveryone());
        assertTrue(TrustedProxies.parse(" , ").isEmpty());
        assertFalse(TrustedProxies.NONE.contains("127.0.0.1"));
    }

    @Test
    void entryErrorsNameTheEntry()
    {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("::1, 10.0.0.0/33"));
        assertEquals("entry '10.0.0.0/33' is invalid: the prefix length of an IPv4 range must be 0 to 32", x.getMessage());
    }
}
