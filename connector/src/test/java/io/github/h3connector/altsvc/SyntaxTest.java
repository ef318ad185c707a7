package io.github.h3connector.altsvc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntaxTest
{
    @ParameterizedTest
    @ValueSource(strings = {"::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::8",
        "2001:db8::1", "FFFF:ffff::", "::ffff:192.0.2.1", "1:2:3:4:5:6:192.0.2.1", "::192.0.2.1", "1::2:3"})
    void validIpv6(String address)
    {
        assertTrue(Syntax.isIpv6Address(address), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":", ":::", "1", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::", "1::2:",
        "12345::", "g::", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:192.0.2.1", "::192.0.2.256",
        "::192.0.2", "::01.2.3.4", "192.0.2.1::", "fe80::1%eth0", "[::1]", "::1 "})
    void invalidIpv6(String address)
    {
        assertFalse(Syntax.isIpv6Address(address), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "192.0.2.1", "255.255.255.255"})
    void validIpv4(String address)
    {
        assertTrue(Syntax.isIpv4Address(address), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.", "a.b.c.d", "1.2.3.4 "})
    void invalidIpv4(String address)
    {
        assertFalse(Syntax.isIpv4Address(address), address);
    }
}
