package io.github.h3connector.altsvc;

import java.nio.charset.StandardCharsets;

/**
 * The character classes and small grammar pieces that Alt-Svc needs: RFC 9110 {@code tchar} and {@code quoted-string},
 * RFC 3986 {@code reg-name} and {@code IPv6address}, and RFC 7838's percent-encoding of protocol ids.
 *
 * <p>Character classes are bit masks in {@code long} constants rather than lookup arrays, so that the class holds no
 * mutable static state.
 */
final class Syntax
{
    /** RFC 9110 §5.6.2 {@code tchar}, less DIGIT and ALPHA which {@link #isTchar} tests directly. */
    private static final String TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";
    /** RFC 3986 §3.2.2 {@code reg-name}: {@code unreserved} and {@code sub-delims} symbols; '%' is handled apart. */
    private static final String REG_NAME_SYMBOLS = "-._~!$&'()*+,;=";

    private static final long TCHAR_LOW = low(TCHAR_SYMBOLS);
    private static final long TCHAR_HIGH = high(TCHAR_SYMBOLS);
    private static final long REG_NAME_LOW = low(REG_NAME_SYMBOLS);
    private static final long REG_NAME_HIGH = high(REG_NAME_SYMBOLS);

    /** Values longer than this are cut in messages: the message must stay readable in a log line. */
    private static final int MAX_SHOWN = 200;

    private static final String HEX = "0123456789ABCDEF";

    private Syntax()
    {
    }

    private static long low(String symbols)
    {
        long mask = 0;
        for (int i = 0; i < symbols.length(); i++)
        {
            char c = symbols.charAt(i);
            if (c < 64)
                mask |= 1L << c;
        }
        return mask;
    }

    private static long high(String symbols)
    {
        long mask = 0;
        for (int i = 0; i < symbols.length(); i++)
        {
            char c = symbols.charAt(i);
            if (c >= 64 && c < 128)
                mask |= 1L << (c - 64);
        }
        return mask;
    }

    private static boolean inMask(int c, long lowMask, long highMask)
    {
        if (c < 64)
            return (lowMask & (1L << c)) != 0;
        if (c < 128)
            return (highMask & (1L << (c - 64))) != 0;
        return false;
    }

    static boolean isAlpha(int c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isDigit(int c)
    {
        return c >= '0' && c <= '9';
    }

    static boolean isHexDigit(int c)
    {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    static boolean isUpperHexDigit(int c)
    {
        return isDigit(c) || (c >= 'A' && c <= 'F');
    }

    static int hexValue(int c)
    {
        return isDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    }

    /** RFC 9110 §5.6.2: {@code tchar}. */
    static boolean isTchar(int c)
    {
        return isAlpha(c) || isDigit(c) || inMask(c, TCHAR_LOW, TCHAR_HIGH);
    }

    /** RFC 3986 §3.2.2: a {@code reg-name} character other than the '%' of {@code pct-encoded}. */
    static boolean isRegNameChar(int c)
    {
        return isAlpha(c) || isDigit(c) || inMask(c, REG_NAME_LOW, REG_NAME_HIGH);
    }

    /** RFC 9110 §5.6.4: {@code qdtext}, on octets held in a Java {@code char}. */
    static boolean isQdtext(int c)
    {
        return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)
            || (c >= 0x80 && c <= 0xFF);
    }

    /** RFC 9110 §5.6.4: the octet after the backslash of a {@code quoted-pair}. */
    static boolean isQuotedPairChar(int c)
    {
        return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF);
    }

    /** RFC 9110 §5.6.3: {@code OWS} is made of these. */
    static boolean isOws(int c)
    {
        return c == ' ' || c == '\t';
    }

    /**
     * RFC 7838 §3: percent-encodes a protocol id. Its UTF-8 octets that are {@code tchar} stay as they are, except '%';
     * every other octet becomes '%' and two uppercase hex digits.
     */
    static String encodeProtocolId(String protocolId)
    {
        StringBuilder out = null;
        byte[] bytes = protocolId.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++)
        {
            int b = bytes[i] & 0xFF;
            boolean plain = b != '%' && isTchar(b);
            if (out == null)
            {
                if (plain)
                    continue;
                // Most ids ("h3", "h2") need no encoding: only copy once something has to change.
                out = new StringBuilder(bytes.length * 3);
                for (int j = 0; j < i; j++)
                    out.append((char)bytes[j]);
            }
            if (plain)
                out.append((char)b);
            else
                out.append('%').append(HEX.charAt(b >> 4)).append(HEX.charAt(b & 0xF));
        }
        return out == null ? protocolId : out.toString();
    }

    /** RFC 3986 §3.2.2 {@code IPv6address}, without brackets and without a zone id. */
    static boolean isIpv6Address(String s)
    {
        int doubleColon = s.indexOf("::");
        if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0)
            return false;
        int groups;
        if (doubleColon < 0)
        {
            groups = countGroups(s, true);
            return groups == 8;
        }
        String head = s.substring(0, doubleColon);
        String tail = s.substring(doubleColon + 2);
        int headGroups = head.isEmpty() ? 0 : countGroups(head, false);
        int tailGroups = tail.isEmpty() ? 0 : countGroups(tail, true);
        if (headGroups < 0 || tailGroups < 0)
            return false;
        // "::" stands for at least one group of zeros.
        return headGroups + tailGroups <= 7;
    }

    /**
     * Counts the 16-bit groups of a colon-separated run of {@code h16}, where the last one may be an IPv4 address
     * (worth two groups) when {@code mayEndWithIpv4}. Returns -1 when the run is malformed.
     */
    private static int countGroups(String run, boolean mayEndWithIpv4)
    {
        int groups = 0;
        int start = 0;
        while (true)
        {
            int colon = run.indexOf(':', start);
            int end = colon < 0 ? run.length() : colon;
            String part = run.substring(start, end);
            if (colon < 0 && mayEndWithIpv4 && part.indexOf('.') >= 0)
            {
                if (!isIpv4Address(part))
                    return -1;
                groups += 2;
            }
            else
            {
                if (part.isEmpty() || part.length() > 4)
                    return -1;
                for (int i = 0; i < part.length(); i++)
                {
                    if (!isHexDigit(part.charAt(i)))
                        return -1;
                }
                groups++;
            }
            if (colon < 0)
                return groups;
            start = colon + 1;
        }
    }

    /** RFC 3986 §3.2.2 {@code IPv4address}: four {@code dec-octet}, no leading zeros. */
    static boolean isIpv4Address(String s)
    {
        int octets = 0;
        int start = 0;
        while (true)
        {
            int dot = s.indexOf('.', start);
            int end = dot < 0 ? s.length() : dot;
            int length = end - start;
            if (length < 1 || length > 3 || (length > 1 && s.charAt(start) == '0'))
                return false;
            int value = 0;
            for (int i = start; i < end; i++)
            {
                char c = s.charAt(i);
                if (!isDigit(c))
                    return false;
                value = value * 10 + (c - '0');
            }
            if (value > 255)
                return false;
            octets++;
            if (dot < 0)
                return octets == 4;
            if (octets == 4)
                return false;
            start = dot + 1;
        }
    }

    /** Index of the first ISO control character (C0, DEL or C1), or -1. */
    static int indexOfControl(String s)
    {
        for (int i = 0; i < s.length(); i++)
        {
            if (Character.isISOControl(s.charAt(i)))
                return i;
        }
        return -1;
    }

    /** Index of the first '"' or '\', or -1. */
    static int indexOfQuoteOrBackslash(String s)
    {
        for (int i = 0; i < s.length(); i++)
        {
            char c = s.charAt(i);
            if (c == '"' || c == '\\')
                return i;
        }
        return -1;
    }

    /** Index of the first unpaired surrogate, or -1: such a string has no UTF-8 form. */
    static int indexOfUnpairedSurrogate(String s)
    {
        for (int i = 0; i < s.length(); i++)
        {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
                i++;
            else if (Character.isSurrogate(c))
                return i;
        }
        return -1;
    }

    /**
     * Shows a value in a message as a Java string literal: quoted, with '"', '\' and every character that could break
     * or forge a log line escaped. Long values are cut.
     */
    static String show(String value)
    {
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_SHOWN) + 8);
        out.append('"');
        int shown = Math.min(value.length(), MAX_SHOWN);
        for (int i = 0; i < shown; i++)
        {
            char c = value.charAt(i);
            if (c == '"' || c == '\\')
                out.append('\\').append(c);
            else if (Character.isHighSurrogate(c) && i + 1 < shown && Character.isLowSurrogate(value.charAt(i + 1)))
                out.append(c).append(value.charAt(++i));
            else
                appendEscaped(out, c);
        }
        out.append('"');
        if (shown < value.length())
            out.append("...");
        return out.toString();
    }

    /** Shows one character in a message, in single quotes, escaped like {@link #show}. */
    static String show(char c)
    {
        StringBuilder out = new StringBuilder(8).append('\'');
        if (c == '\'' || c == '\\')
            out.append('\\').append(c);
        else
            appendEscaped(out, c);
        return out.append('\'').toString();
    }

    private static void appendEscaped(StringBuilder out, char c)
    {
        switch (c)
        {
            case '\r' -> out.append("\\r");
            case '\n' -> out.append("\\n");
            case '\t' -> out.append("\\t");
            case '\0' -> out.append("\\0");
            default ->
            {
                int type = Character.getType(c);
                if (Character.isISOControl(c) || Character.isSurrogate(c)
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                    || type == Character.UNASSIGNED || type == Character.FORMAT)
                {
                    out.append("\\u").append(HEX.charAt((c >> 12) & 0xF)).append(HEX.charAt((c >> 8) & 0xF))
                        .append(HEX.charAt((c >> 4) & 0xF)).append(HEX.charAt(c & 0xF));
                }
                else
                {
                    out.append(c);
                }
            }
        }
    }
}
