package io.github.h3connector.jetty;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link AltSvcFrame}: the exact bytes, and every frame refused before it could reach Jetty's flusher. */
class AltSvcFrameEncodingTest
{
    @Test
    void connectionFrameBytes()
    {
        AltSvcFrame frame = AltSvcFrame.forConnection("https://localhost:8443", "h3=\":8443\"; ma=86400");
        String expected = "00002c" + "0a" + "00" + "00000000" + "0016" +
            HexFormat.of().formatHex("https://localhost:8443h3=\":8443\"; ma=86400".getBytes(StandardCharsets.US_ASCII));
        assertEquals(expected, HexFormat.of().formatHex(frame.bytes()));
        assertEquals(9 + 2 + 22 + 20, frame.length());
    }

    @Test
    void streamFrameBytesHaveAnEmptyOrigin()
    {
        AltSvcFrame frame = AltSvcFrame.forStream(13, "clear");
        assertArrayEquals(new byte[]{0, 0, 7, 0x0a, 0, 0, 0, 0, 13, 0, 0, 'c', 'l', 'e', 'a', 'r'}, frame.bytes());
        assertEquals("", frame.origin());
    }

    @Test
    void originIsTheAsciiSerialization()
    {
        assertEquals("https://example.com", AltSvcFrame.origin("Example.COM", 443));
        assertEquals("https://example.com:8443", AltSvcFrame.origin("example.com", 8443));
    }

    @Test
    void payloadUpTo16384Bytes()
    {
        String origin = "https://localhost:8443";
        String fits = "h3=\":443\"; x=" + "a".repeat(16_384 - 2 - origin.length() - 13);
        assertEquals(9 + 16_384, AltSvcFrame.forConnection(origin, fits).length());
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> AltSvcFrame.forConnection(origin, fits + "a"));
        assertEquals("ALTSVC payload must be at most 16384 bytes, got 16385", x.getMessage());
    }

    @Test
    void refusedOrigins()
    {
        for (String origin : new String[]{null, "", "http://localhost:8443", "https://LOCALHOST", "https://localhost:443", "https://localhost:0",
            "https://localhost/", "https://local host", "https://localhost:8443\r\nx", "https://[::1]:8443"})
        {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> AltSvcFrame.forConnection(origin, "clear"), String.valueOf(origin));
            assertEquals(1, x.getMessage().lines().count(), x.getMessage());
        }
    }

    @Test
    void refusedValuesAndStreams()
    {
        for (String value : new String[]{null, "", "h3=\":443\"\r\nx: y", "h3=\":443\"\u0000", "h3=\"\u00e9:443\""})
        {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> AltSvcFrame.forStream(1, value), String.valueOf(value));
            assertEquals(1, x.getMessage().lines().count(), x.getMessage());
        }
        for (int stream : new int[]{0, -1, 2, 100})
            assertThrows(IllegalArgumentException.class, () -> AltSvcFrame.forStream(stream, "clear"), String.valueOf(stream));
    }
}
