package io.github.h3connector.altsvc;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code alt-value} of an Alt-Svc field (RFC 7838 §3): a protocol, where to reach it, and for how long the
 * client may remember it.
 *
 * <pre>{@code
 * Alternative.h3(443).headerValue()                    // h3=":443"; ma=86400
 * Alternative.builder("h3").host("example.com").port(8443)
 *     .maxAgeSeconds(3600).persist(true).build()       // h3="example.com:8443"; ma=3600; persist=1
 * }</pre>
 *
 * <p>Every part is validated when the alternative is built, so that an instance can only hold values that make a
 * well-formed field: no input can produce a CR, an LF, or a raw quote inside the alt-authority. The header text is
 * computed once, in the constructor, because the same instance is written on every response.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class Alternative
{
    /** The RFC 7838 §3.1 default freshness lifetime, used when {@code ma} is not given: 24 hours. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(86400);

    /**
     * The largest max-age accepted, in seconds. RFC 9111 §1.2.2 lets a recipient cap delta-seconds at 2<sup>31</sup>;
     * 68 years is far beyond any sensible Alt-Svc lifetime.
     */
    public static final long MAX_MAX_AGE_SECONDS = Integer.MAX_VALUE;

    private final String protocolId;
    private final Optional<String> host;
    private final int port;
    private final Duration maxAge;
    private final boolean persist;
    private final String headerValue;

    private Alternative(String protocolId, String host, int port, Duration maxAge, boolean persist)
    {
        this.protocolId = protocolId;
        this.host = Optional.ofNullable(host);
        this.port = port;
        this.maxAge = maxAge;
        this.persist = persist;
        this.headerValue = format();
    }

    /**
     * HTTP/3 on the given port of the same host, with the default max-age of 24 hours and no persist:
     * {@code h3=":443"; ma=86400}.
     *
     * @param port the UDP port, 1 to 65535
     * @return the alternative
     * @throws AltSvcException if the port is out of range
     */
    public static Alternative h3(int port)
    {
        return builder("h3").port(port).build();
    }

    /**
     * Starts an alternative for the given protocol.
     *
     * @param protocolId the ALPN protocol id as registered, not encoded, such as {@code "h3"} or {@code "http/1.1"};
     *     it is percent-encoded when written
     * @return a builder that needs at least a {@link Builder#port(int) port}
     */
    public static Builder builder(String protocolId)
    {
        return new Builder(Objects.requireNonNull(protocolId, "protocolId"));
    }

    /**
     * @return a builder holding this alternative's values, to derive a variant
     */
    public Builder toBuilder()
    {
        Builder builder = new Builder(protocolId);
        builder.host = host.orElse(null);
        builder.port = port;
        builder.portSet = true;
        builder.maxAge = maxAge;
        builder.persist = persist;
        return builder;
    }

    /**
     * @return the ALPN protocol id, not encoded, such as {@code "h3"} or {@code "http/1.1"}
     */
    public String protocolId()
    {
        return protocolId;
    }

    /**
     * @return the alternative host, or empty for the origin's own host; an IPv6 address is given without brackets
     */
    public Optional<String> host()
    {
        return host;
    }

    /**
     * @return the alternative port, 1 to 65535
     */
    public int port()
    {
        return port;
    }

    /**
     * @return how long the client may use this alternative, in whole seconds; {@link #DEFAULT_MAX_AGE} unless set
     */
    public Duration maxAge()
    {
        return maxAge;
    }

    /**
     * @return whether the client should keep this alternative across network changes (RFC 7838 §3.1 {@code persist})
     */
    public boolean persist()
    {
        return persist;
    }

    /**
     * @return this {@code alt-value} as written in the field, such as {@code h3=":443"; ma=86400}
     */
    public String headerValue()
    {
        return headerValue;
    }

    private String format()
    {
        // Parts were validated by the builder: the host holds no '"' or '\' and needs no quoted-pair escaping.
        String encodedId = Syntax.encodeProtocolId(protocolId);
        String shownHost = host.map(h -> h.indexOf(':') >= 0 ? "[" + h + "]" : h).orElse("");
        StringBuilder out = new StringBuilder(encodedId.length() + shownHost.length() + 40);
        out.append(encodedId).append("=\"").append(shownHost).append(':').append(Integer.toString(port)).append('"');
        // Always write ma, even at its default: the value then says what it means without the reader knowing the RFC.
        out.append("; ma=").append(Long.toString(maxAge.getSeconds()));
        if (persist)
            out.append("; persist=1");
        return out.toString();
    }

    @Override
    public boolean equals(Object other)
    {
        if (this == other)
            return true;
        if (!(other instanceof Alternative that))
            return false;
        return port == that.port && persist == that.persist && protocolId.equals(that.protocolId)
            && host.equals(that.host) && maxAge.equals(that.maxAge);
    }

    @Override
    public int hashCode()
    {
        return headerValue.hashCode();
    }

    /**
     * @return the {@link #headerValue()}
     */
    @Override
    public String toString()
    {
        return headerValue;
    }

    /**
     * Collects the parts of an {@link Alternative}; {@link #build()} validates them all and says which one is wrong.
     *
     * <p>A builder is not thread-safe, but may build several alternatives.
     */
    public static final class Builder
    {
        private final String protocolId;
        private String host;
        private int port;
        private boolean portSet;
        private Duration maxAge = DEFAULT_MAX_AGE;
        private boolean persist;

        private Builder(String protocolId)
        {
            this.protocolId = protocolId;
        }

        /**
         * @param host the alternative host name, IPv4 address or IPv6 address (with or without brackets),
         *     or {@code null} for the origin's own host (the default)
         * @return this builder
         */
        public Builder host(String host)
        {
            this.host = host;
            return this;
        }

        /**
         * @param port the alternative port, 1 to 65535; required
         * @return this builder
         */
        public Builder port(int port)
        {
            this.port = port;
            this.portSet = true;
            return this;
        }

        /**
         * @param maxAge the freshness lifetime, in whole seconds, 0 to {@link #MAX_MAX_AGE_SECONDS};
         *     {@link #DEFAULT_MAX_AGE} unless set
         * @return this builder
         */
        public Builder maxAge(Duration maxAge)
        {
            this.maxAge = Objects.requireNonNull(maxAge, "maxAge");
            return this;
        }

        /**
         * @param seconds the freshness lifetime in seconds, 0 to {@link #MAX_MAX_AGE_SECONDS}
         * @return this builder
         */
        public Builder maxAgeSeconds(long seconds)
        {
            this.maxAge = Duration.ofSeconds(seconds);
            return this;
        }

        /**
         * @param persist whether the client should keep the alternative across network changes; {@code false} unless
         *     set
         * @return this builder
         */
        public Builder persist(boolean persist)
        {
            this.persist = persist;
            return this;
        }

        /**
         * @return the alternative
         * @throws AltSvcException naming the first invalid part, its value and what is required
         */
        public Alternative build()
        {
            checkProtocolId(protocolId);
            String normalizedHost = host == null ? null : checkHost(host);
            if (!portSet)
                throw new AltSvcException("Alt-Svc port must be between 1 and 65535, got none");
            if (port < 1 || port > 65535)
                throw new AltSvcException("Alt-Svc port must be between 1 and 65535, got " + Integer.toString(port));
            checkMaxAge(maxAge);
            return new Alternative(protocolId, normalizedHost, port, maxAge, persist);
        }

        private static void checkProtocolId(String id)
        {
            if (id.isBlank())
                throw new AltSvcException("Alt-Svc protocol-id must not be empty or blank, got " + Syntax.show(id));
            // Percent-encoding would make these harmless on the wire, but no ALPN id holds them: they are a mistake
            // or an injection attempt, and either way the caller should hear about it.
            if (Syntax.indexOfControl(id) >= 0)
                throw new AltSvcException("Alt-Svc protocol-id must not contain control characters, got " + Syntax.show(id));
            if (Syntax.indexOfQuoteOrBackslash(id) >= 0)
                throw new AltSvcException("Alt-Svc protocol-id must not contain '\"' or '\\', got " + Syntax.show(id));
            if (Syntax.indexOfUnpairedSurrogate(id) >= 0)
                throw new AltSvcException("Alt-Svc protocol-id must be well-formed Unicode (no unpaired surrogate), got "
                    + Syntax.show(id));
        }

        /** Returns the host as kept by {@link Alternative}: an IPv6 address without its brackets. */
        private static String checkHost(String host)
        {
            if (host.isEmpty())
                throw new AltSvcException("Alt-Svc host must not be empty (use null for the origin's host), got \"\"");
            if (Syntax.indexOfControl(host) >= 0)
                throw new AltSvcException("Alt-Svc host must not contain control characters, got " + Syntax.show(host));
            if (Syntax.indexOfQuoteOrBackslash(host) >= 0)
                throw new AltSvcException("Alt-Svc host must not contain '\"' or '\\', got " + Syntax.show(host));
            if (host.charAt(0) == '[')
            {
                String inner = host.length() >= 2 && host.endsWith("]") ? host.substring(1, host.length() - 1) : "";
                if (!Syntax.isIpv6Address(inner))
                    throw invalidHost(host, "not a valid IPv6 address");
                return inner;
            }
            if (host.indexOf(':') >= 0)
            {
                if (!Syntax.isIpv6Address(host))
                    throw invalidHost(host, "':' is allowed only in an IPv6 address");
                return host;
            }
            // RFC 3986 reg-name; an IPv4 address is one too.
            for (int i = 0; i < host.length(); i++)
            {
                char c = host.charAt(i);
                if (c == '%')
                {
                    if (i + 2 >= host.length() || !Syntax.isHexDigit(host.charAt(i + 1)) || !Syntax.isHexDigit(host.charAt(i + 2)))
                        throw invalidHost(host, "bad percent-encoding at index " + i);
                    i += 2;
                }
                else if (!Syntax.isRegNameChar(c))
                {
                    String reason = Syntax.show(c) + " at index " + i + " is not allowed";
                    if (c > 0x7F)
                        reason += "; use the ASCII (punycode) form of the name";
                    throw invalidHost(host, reason);
                }
            }
            return host;
        }

        private static AltSvcException invalidHost(String host, String reason)
        {
            return new AltSvcException("Alt-Svc host must be a name, an IPv4 address or an IPv6 address, got "
                + Syntax.show(host) + " (" + reason + ")");
        }

        private static void checkMaxAge(Duration maxAge)
        {
            if (maxAge.isNegative() || maxAge.getSeconds() > MAX_MAX_AGE_SECONDS
                || (maxAge.getSeconds() == MAX_MAX_AGE_SECONDS && maxAge.getNano() != 0))
            {
                throw new AltSvcException("Alt-Svc max-age must be between 0 and " + Long.toString(MAX_MAX_AGE_SECONDS)
                    + " seconds, got " + showSeconds(maxAge));
            }
            // delta-seconds has no fraction, and rounding either way would silently change the lifetime.
            if (maxAge.getNano() != 0)
                throw new AltSvcException("Alt-Svc max-age must be a whole number of seconds, got " + maxAge);
        }

        private static String showSeconds(Duration duration)
        {
            return duration.getNano() == 0 ? Long.toString(duration.getSeconds()) : duration.toString();
        }
    }
}
