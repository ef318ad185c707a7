package io.github.h3connector.servlet;

import java.util.ArrayList;
import java.util.List;

/**
 * The addresses whose proxy headers the filter believes: a list of {@link InetAddressRange}s, parsed once at
 * {@code init()} and matched against {@code ServletRequest.getRemoteAddr()} without DNS and without allocation.
 *
 * <p>Instances are immutable.
 */
final class TrustedProxies
{
    /** Trusts no address: the default. */
    static final TrustedProxies NONE = new TrustedProxies(new InetAddressRange[0], "");

    private final InetAddressRange[] ranges;
    private final String text;

    private TrustedProxies(InetAddressRange[] ranges, String text)
    {
        this.ranges = ranges;
        this.text = text;
    }

    /**
     * @param spec addresses and CIDR ranges separated by commas and/or whitespace, such as
     *     {@code "127.0.0.1, 10.0.0.0/8 ::1"}; blank for none
     * @return the list
     * @throws IllegalArgumentException for the first invalid entry, with a message that starts with the entry
     */
    static TrustedProxies parse(String spec)
    {
        List<InetAddressRange> ranges = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int i = 0;
        int length = spec.length();
        while (i < length)
        {
            char c = spec.charAt(i);
            if (c == ',' || Character.isWhitespace(c))
            {
                i++;
                continue;
            }
            int end = i;
            while (end < length && spec.charAt(end) != ',' && !Character.isWhitespace(spec.charAt(end)))
                end++;
            String entry = spec.substring(i, end);
            try
            {
                ranges.add(InetAddressRange.parse(entry));
            }
            catch (IllegalArgumentException x)
            {
                throw new IllegalArgumentException("entry '" + entry + "' is invalid: " + x.getMessage(), x);
            }
            if (text.length() > 0)
                text.append(", ");
            text.append(entry);
            i = end;
        }
        return ranges.isEmpty() ? NONE : new TrustedProxies(ranges.toArray(new InetAddressRange[0]), text.toString());
    }

    /** @return whether no address is trusted */
    boolean isEmpty()
    {
        return ranges.length == 0;
    }

    /** @return whether a range trusts every IPv4 or every IPv6 address, which is worth a warning */
    boolean trustsEveryone()
    {
        for (InetAddressRange range : ranges)
        {
            if (range.isEverything())
                return true;
        }
        return false;
    }

    /**
     * @param remoteAddress the address literal of the peer, as from {@code ServletRequest.getRemoteAddr()}; may be
     *     null
     * @return whether it is in one of the ranges
     */
    boolean contains(String remoteAddress)
    {
        return remoteAddress != null && ranges.length > 0 && InetAddressRange.matches(remoteAddress, ranges);
    }

    /** @return the ranges as configured, comma separated; empty for none */
    @Override
    public String toString()
    {
        return text;
    }
}
