package io.github.h3connector.servlet;

/**
 * One IP address or CIDR range, IPv4 or IPv6, matched against address literals without DNS.
 *
 * <p>Written as {@code 192.0.2.7}, {@code 10.0.0.0/8}, {@code ::1}, {@code 2001:db8::/32}. An IPv4-mapped IPv6
 * address ({@code ::ffff:10.1.2.3}, also with a prefix of 96 or more) is the IPv4 address it maps, so
 * {@code 10.0.0.0/8} matches a remote address reported as {@code ::ffff:10.1.2.3} by a dual-stack socket, and the
 * other way round. A range must not have bits set beyond its prefix: {@code 10.1.2.3/8} is refused rather than
 * silently widened.
 *
 * <p>Matching parses the literal with no allocation: the filter does it on every request from a candidate proxy.
 * Instances are immutable.
 */
final class InetAddressRange
{
    /** Returned by {@link #parseIpv4} for a string that is no IPv4 address. */
    static final long NOT_IPV4 = -1;

    private static final int CHECK = 0;
    private static final int HIGH = 1;
    private static final int LOW = 2;
    private static final long MAPPED_PREFIX = 0xFFFFL << 32;

    private final String text;
    private final boolean ipv4;
    private final long high;
    private final long low;
    private final long highMask;
    private final long lowMask;

    private InetAddressRange(String text, boolean ipv4, long high, long low, long highMask, long lowMask)
    {
        this.text = text;
        this.ipv4 = ipv4;
        this.high = high;
        this.low = low;
        this.highMask = highMask;
        this.lowMask = lowMask;
    }

    /**
     * @param spec an address or CIDR range, such as {@code 10.0.0.0/8} or {@code ::1}
     * @return the range
     * @throws IllegalArgumentException saying what is wrong and how to write it instead
     */
    static InetAddressRange parse(String spec)
    {
        int slash = spec.indexOf('/');
        int addressEnd = slash < 0 ? spec.length() : slash;
        boolean colon = spec.indexOf(':') >= 0;
        int prefix = -1;
        if (slash >= 0)
        {
            prefix = parsePrefix(spec, slash + 1);
            if (prefix < 0)
                throw new IllegalArgumentException("the prefix length after '/' must be a number, 0 to " + (colon ? "128" : "32"));
        }
        if (!colon)
        {
            long address = parseIpv4(spec, 0, addressEnd);
            if (address == NOT_IPV4)
                throw new IllegalArgumentException(notAnAddress(spec, addressEnd));
            if (prefix > 32)
                throw new IllegalArgumentException("the prefix length of an IPv4 range must be 0 to 32");
            return ipv4(spec, address, prefix < 0 ? 32 : prefix);
        }
        if (scanIpv6(spec, 0, addressEnd, CHECK, 0) < 0)
            throw new IllegalArgumentException(notAnAddress(spec, addressEnd));
        if (prefix > 128)
            throw new IllegalArgumentException("the prefix length of an IPv6 range must be 0 to 128");
        if (prefix < 0)
            prefix = 128;
        long high = ipv6Half(spec, 0, addressEnd, HIGH);
        long low = ipv6Half(spec, 0, addressEnd, LOW);
        if (high == 0 && (low & 0xFFFF_FFFF_0000_0000L) == MAPPED_PREFIX && prefix >= 96)
            return ipv4(spec, low & 0xFFFF_FFFFL, prefix - 96);
        long highMask = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
        long lowMask = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
        if ((high & ~highMask) != 0 || (low & ~lowMask) != 0)
            throw new IllegalArgumentException(hostBits(spec, ipv6Text(high & highMask, low & lowMask)));
        return new InetAddressRange(spec, false, high, low, highMask, lowMask);
    }

    private static InetAddressRange ipv4(String spec, long address, int prefix)
    {
        long mask = prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL;
        if ((address & ~mask) != 0)
            throw new IllegalArgumentException(hostBits(spec, spec.indexOf(':') >= 0 ? ipv6Text(0, MAPPED_PREFIX | (address & mask)) : ipv4Text(address & mask)));
        return new InetAddressRange(spec, true, 0, address, 0, mask);
    }

    private static String notAnAddress(String spec, int addressEnd)
    {
        return "'" + spec.substring(0, addressEnd) + "' is not an IP address; write an IPv4 or IPv6 literal"
            + " (host names are not accepted: matching them would need DNS)";
    }

    private static String hostBits(String spec, String firstAddress)
    {
        String address = spec.substring(0, spec.indexOf('/'));
        return "'" + spec + "' has address bits set beyond its prefix length; write " + firstAddress
            + spec.substring(spec.indexOf('/')) + " for the whole range, or " + address + " alone for that one address";
    }

    private static String ipv4Text(long address)
    {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }

    /** Full form, without {@code ::} compression (only for messages). */
    private static String ipv6Text(long high, long low)
    {
        StringBuilder out = new StringBuilder(39);
        for (int group = 0; group < 8; group++)
        {
            long half = group < 4 ? high : low;
            if (group > 0)
                out.append(':');
            out.append(Long.toHexString((half >>> (48 - 16 * (group % 4))) & 0xFFFF));
        }
        return out.toString();
    }

    /** Decimal 0 to 999 from {@code from} to the end, or -1. */
    private static int parsePrefix(String spec, int from)
    {
        int length = spec.length() - from;
        if (length < 1 || length > 3)
            return -1;
        int value = 0;
        for (int i = from; i < spec.length(); i++)
        {
            char c = spec.charAt(i);
            if (c < '0' || c > '9')
                return -1;
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /**
     * @param address an address literal as returned by {@code ServletRequest.getRemoteAddr()}: IPv4, or IPv6 with or
     *     without brackets and zone id
     * @return whether the address is in this range; {@code false} when it is no literal
     */
    boolean contains(String address)
    {
        return matches(address, new InetAddressRange[]{this});
    }

    /**
     * Parses {@code address} once and matches it against each range: the no-allocation path of
     * {@link TrustedProxies#contains(String)}.
     */
    static boolean matches(String address, InetAddressRange[] ranges)
    {
        int from = 0;
        int to = address.length();
        if (to > 1 && address.charAt(0) == '[' && address.charAt(to - 1) == ']')
        {
            from = 1;
            to--;
        }
        int zone = address.indexOf('%', from);
        if (zone >= 0 && zone < to)
            to = zone;
        if (address.indexOf(':', from) < 0)
            return matchesIpv4(parseIpv4(address, from, to), ranges);
        long groups = scanIpv6(address, from, to, CHECK, 0);
        if (groups < 0)
            return false;
        long high = scanIpv6(address, from, to, HIGH, 8 - (int)groups);
        long low = scanIpv6(address, from, to, LOW, 8 - (int)groups);
        if (high == 0 && (low & 0xFFFF_FFFF_0000_0000L) == MAPPED_PREFIX)
            return matchesIpv4(low & 0xFFFF_FFFFL, ranges);
        for (InetAddressRange range : ranges)
        {
            if (!range.ipv4 && (high & range.highMask) == range.high && (low & range.lowMask) == range.low)
                return true;
        }
        return false;
    }

    private static boolean matchesIpv4(long address, InetAddressRange[] ranges)
    {
        if (address == NOT_IPV4)
            return false;
        for (InetAddressRange range : ranges)
        {
            if (range.ipv4 && (address & range.lowMask) == range.low)
                return true;
        }
        return false;
    }

    /** @return whether this is an IPv4 range (including one written in IPv4-mapped IPv6 form) */
    boolean isIpv4()
    {
        return ipv4;
    }

    /** @return whether this range holds every address of its family */
    boolean isEverything()
    {
        return highMask == 0 && lowMask == 0;
    }

    /**
     * RFC 3986 {@code IPv4address}: four decimal octets without leading zeros (a leading zero means octal to some
     * parsers, so such a literal is refused rather than guessed).
     *
     * @return the address as an unsigned 32-bit value, or {@link #NOT_IPV4}
     */
    static long parseIpv4(String s, int from, int to)
    {
        long address = 0;
        int octets = 0;
        int i = from;
        while (true)
        {
            int start = i;
            int value = 0;
            while (i < to && i - start < 4)
            {
                char c = s.charAt(i);
                if (c < '0' || c > '9')
                    break;
                value = value * 10 + (c - '0');
                i++;
            }
            int length = i - start;
            if (length < 1 || length > 3 || (length > 1 && s.charAt(start) == '0') || value > 255)
                return NOT_IPV4;
            address = (address << 8) | value;
            octets++;
            if (i == to)
                return octets == 4 ? address : NOT_IPV4;
            if (octets == 4 || s.charAt(i) != '.')
                return NOT_IPV4;
            i++;
        }
    }

    /** One half of a valid IPv6 literal: first checks it, to know how many zero groups {@code ::} stands for. */
    private static long ipv6Half(String s, int from, int to, int half)
    {
        int groups = (int)scanIpv6(s, from, to, CHECK, 0);
        return scanIpv6(s, from, to, half, 8 - groups);
    }

    /**
     * Scans an RFC 4291 IPv6 literal (no brackets, no zone id) without allocating.
     *
     * @param mode {@link #CHECK}: returns the number of groups written (an embedded IPv4 address counts two), or -1
     *     when malformed; {@link #HIGH} or {@link #LOW}: returns that 64-bit half of a literal already checked
     * @param zeros for HIGH and LOW, the number of zero groups that {@code ::} stands for
     */
    private static long scanIpv6(String s, int from, int to, int mode, int zeros)
    {
        if (to - from < 2)
            return -1;
        long high = 0;
        long low = 0;
        int groups = 0;
        int index = 0;
        boolean gap = false;
        int i = from;
        if (s.charAt(i) == ':')
        {
            if (s.charAt(i + 1) != ':')
                return -1;
            gap = true;
            index += zeros;
            i += 2;
        }
        while (i < to)
        {
            int end = i;
            boolean dot = false;
            while (end < to && s.charAt(end) != ':')
            {
                if (s.charAt(end) == '.')
                    dot = true;
                end++;
            }
            if (dot)
            {
                // An embedded IPv4 address ends the literal and fills the last two groups, all in the low half.
                if (end != to)
                    return -1;
                long ipv4 = parseIpv4(s, i, end);
                if (ipv4 == NOT_IPV4)
                    return -1;
                low |= ipv4;
                groups += 2;
                index += 2;
                break;
            }
            int length = end - i;
            if (length < 1 || length > 4)
                return -1;
            int value = 0;
            for (int k = i; k < end; k++)
            {
                int digit = hexDigit(s.charAt(k));
                if (digit < 0)
                    return -1;
                value = (value << 4) | digit;
            }
            groups++;
            if (groups > 8)
                return -1;
            if (index < 4)
                high |= (long)value << (48 - 16 * index);
            else if (index < 8)
                low |= (long)value << (48 - 16 * (index - 4));
            index++;
            if (end == to)
                break;
            // s.charAt(end) == ':'
            if (end + 1 < to && s.charAt(end + 1) == ':')
            {
                if (gap)
                    return -1;
                gap = true;
                index += zeros;
                i = end + 2;
            }
            else
            {
                i = end + 1;
                if (i == to)
                    return -1;
            }
        }
        if (mode == CHECK)
        {
            // "::" stands for at least one zero group.
            if (gap ? groups > 7 : groups != 8)
                return -1;
            return groups;
        }
        return mode == HIGH ? high : low;
    }

    /** ASCII only: {@code Character.digit} would also take other scripts' digits. */
    private static int hexDigit(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    /** @return the range as configured */
    @Override
    public String toString()
    {
        return text;
    }
}
