package io.github.h3connector.jetty;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One HTTP/2 {@code ALTSVC} frame (RFC 7838 section 4), checked and encoded when it is made: an invalid frame is refused
 * here, before it reaches Jetty's flusher, where a failure while generating would fail the whole HTTP/2 session.
 *
 * <pre>
 * +-------------------------------+-------------------------------+
 * | Length (24) | Type 0x0a | Flags 0 | R | Stream Identifier (31)|
 * | Origin-Len (16) | Origin? (*)     | Alt-Svc-Field-Value (*)     |
 * </pre>
 * On stream 0 the origin is required; on any other stream it must be empty (the stream's own origin applies). Either
 * way the payload fits in 16,384 bytes, the frame size every HTTP/2 peer accepts.
 */
final class AltSvcFrame
{
    static final int TYPE = 0x0a;
    /** SETTINGS_MAX_FRAME_SIZE's initial value: no peer may refuse a frame this long. */
    static final int MAX_PAYLOAD = 16_384;
    private static final int HEADER_LENGTH = 9;
    /** {@code https://host[:port]}, the ASCII serialization of an origin (RFC 6454); hosts as SNI names them. */
    private static final Pattern ORIGIN = Pattern.compile("https://[a-z0-9.-]+(:[1-9][0-9]{0,4})?");

    private final int streamId;
    private final String origin;
    private final String value;
    private final byte[] bytes;

    private AltSvcFrame(int streamId, String origin, String value)
    {
        if (value == null || value.isEmpty() || !value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c < 0x7f)))
            throw new IllegalArgumentException("ALTSVC field value must be non-empty visible ASCII, got '" + show(value) + "'");
        byte[] originBytes = origin.getBytes(StandardCharsets.US_ASCII);
        byte[] valueBytes = value.getBytes(StandardCharsets.US_ASCII);
        int length = 2 + originBytes.length + valueBytes.length;
        if (length > MAX_PAYLOAD)
            throw new IllegalArgumentException("ALTSVC payload must be at most " + MAX_PAYLOAD + " bytes, got " + length);
        this.streamId = streamId;
        this.origin = origin;
        this.value = value;
        bytes = new byte[HEADER_LENGTH + length];
        bytes[0] = (byte)(length >>> 16);
        bytes[1] = (byte)(length >>> 8);
        bytes[2] = (byte)length;
        bytes[3] = TYPE;
        bytes[4] = 0;
        bytes[5] = (byte)(streamId >>> 24);
        bytes[6] = (byte)(streamId >>> 16);
        bytes[7] = (byte)(streamId >>> 8);
        bytes[8] = (byte)streamId;
        bytes[9] = (byte)(originBytes.length >>> 8);
        bytes[10] = (byte)originBytes.length;
        System.arraycopy(originBytes, 0, bytes, 11, originBytes.length);
        System.arraycopy(valueBytes, 0, bytes, 11 + originBytes.length, valueBytes.length);
    }

    /**
     * @param origin {@code https://host[:port]}, the port left out when it is 443
     * @param value the {@code Alt-Svc} field value
     * @throws IllegalArgumentException when the origin or value is not valid, or the frame would be too large
     */
    static AltSvcFrame forConnection(String origin, String value)
    {
        if (origin == null || !ORIGIN.matcher(origin).matches() || origin.endsWith(":443"))
            throw new IllegalArgumentException("ALTSVC origin on stream 0 must be https://host[:port] in lower case, without :443, got '" + show(origin) + "'");
        return new AltSvcFrame(0, origin, value);
    }

    /**
     * @param streamId the response stream, a client-initiated (odd) stream id
     * @param value the {@code Alt-Svc} field value
     */
    static AltSvcFrame forStream(int streamId, String value)
    {
        if (streamId <= 0 || streamId % 2 == 0)
            throw new IllegalArgumentException("ALTSVC stream id must be a positive odd (client) stream id, got " + streamId);
        return new AltSvcFrame(streamId, "", value);
    }

    /** @return {@code https://host} or {@code https://host:port}: RFC 6454's serialization, the default port left out */
    static String origin(String host, int port)
    {
        String lower = host.toLowerCase(Locale.ROOT);
        return port == 443 ? "https://" + lower : "https://" + lower + ":" + port;
    }

    /** The text with anything but printable ASCII escaped, so that a message stays on one line. */
    private static String show(String text)
    {
        if (text == null)
            return "null";
        StringBuilder shown = new StringBuilder(text.length());
        text.chars().forEach(c -> shown.append(c >= 0x20 && c < 0x7f ? String.valueOf((char)c) : String.format("\\u%04x", c)));
        return shown.toString();
    }

    int streamId()
    {
        return streamId;
    }

    String origin()
    {
        return origin;
    }

    String value()
    {
        return value;
    }

    /** @return the whole frame, header included; a copy */
    byte[] bytes()
    {
        return bytes.clone();
    }

    int length()
    {
        return bytes.length;
    }

    @Override
    public String toString()
    {
        return "ALTSVC{stream=" + streamId + ", origin=" + origin + ", value=" + value + "}";
    }
}
