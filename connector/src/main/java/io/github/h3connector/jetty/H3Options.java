package io.github.h3connector.jetty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.github.h3connector.altsvc.Alternative;
import io.github.h3connector.altsvc.AltSvcException;

/**
 * Settings of the HTTP/3 connector and of its {@code Alt-Svc} advertisement. Immutable; made with {@link #builder()}.
 * Every setting has a default, so {@code H3Options.builder().build()} is a working configuration on port 8443.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>host</td><td>all interfaces</td><td>address to bind, TCP and UDP</td></tr>
 *   <tr><td>port</td><td>8443</td><td>TCP port for HTTPS (HTTP/1.1, HTTP/2); 0 picks a free one</td></tr>
 *   <tr><td>udpPort</td><td>the TCP port</td><td>UDP port for QUIC (HTTP/3)</td></tr>
 *   <tr><td>idleTimeout</td><td>30 s</td><td>QUIC connection idle timeout</td></tr>
 *   <tr><td>streamIdleTimeout</td><td>30 s</td><td>how long a request may stay idle (no frame read or written); 0 never</td></tr>
 *   <tr><td>sessionMaxData</td><td>24 MiB</td><td>QUIC connection flow-control window</td></tr>
 *   <tr><td>streamMaxData</td><td>16 MiB</td><td>QUIC per-stream flow-control window, both directions</td></tr>
 *   <tr><td>maxStreams</td><td>256</td><td>concurrent request streams a client may open per connection</td></tr>
 *   <tr><td>maxConnections</td><td>4096</td><td>open QUIC connections; beyond it new connection attempts are dropped</td></tr>
 *   <tr><td>eventLoops</td><td>the number of cores</td><td>UDP sockets and event loops sharing the port (epoll; 1 elsewhere)</td></tr>
 *   <tr><td>congestionControl</td><td>BBR</td><td>QUIC congestion control: BBR, CUBIC or RENO</td></tr>
 *   <tr><td>retry</td><td>UNDER_LOAD</td><td>when new clients must prove their address with a Retry round trip</td></tr>
 *   <tr><td>secret</td><td>random per start</td><td>keys Retry tokens and stateless resets; share it between nodes</td></tr>
 *   <tr><td>advertisedPort</td><td>the UDP port</td><td>port in {@code Alt-Svc}, for NAT, load balancers, container port mapping</td></tr>
 *   <tr><td>advertisedHost</td><td>none (same host)</td><td>host in {@code Alt-Svc}</td></tr>
 *   <tr><td>maxAge</td><td>86400 s</td><td>{@code ma}: how long clients may remember the advertisement</td></tr>
 *   <tr><td>persist</td><td>false</td><td>{@code persist=1}: keep the advertisement across network changes</td></tr>
 *   <tr><td>advertiseOnHttp3</td><td>false</td><td>also send {@code Alt-Svc} on HTTP/3 responses, to refresh {@code ma}</td></tr>
 *   <tr><td>earlyData</td><td>false</td><td>accept 0-RTT requests from resuming clients (RFC 8470 rules, see {@link Builder#earlyData})</td></tr>
 *   <tr><td>earlyDataMethods</td><td>GET HEAD OPTIONS TRACE PUT DELETE</td><td>methods served in 0-RTT; others get {@code 425 Too Early}</td></tr>
 *   <tr><td>qlog</td><td>none</td><td>directory and total size bound for qlog files (see {@link Builder#qlog})</td></tr>
 * </table>
 */
public final class H3Options
{
    public static final int DEFAULT_PORT = 8443;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Jetty's {@code HTTP3Configuration} default. */
    public static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final long DEFAULT_SESSION_MAX_DATA = 24L * 1024 * 1024;
    public static final long DEFAULT_STREAM_MAX_DATA = 16L * 1024 * 1024;
    public static final long DEFAULT_MAX_STREAMS = 256;
    public static final int DEFAULT_MAX_CONNECTIONS = 4096;
    public static final CongestionControl DEFAULT_CONGESTION_CONTROL = CongestionControl.BBR;
    public static final RetryPolicy DEFAULT_RETRY = RetryPolicy.UNDER_LOAD;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(86400);
    /** The idempotent methods of RFC 9110 section 9.2.2. */
    public static final Set<String> DEFAULT_EARLY_DATA_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
    public static final long DEFAULT_QLOG_MAX_BYTES = 256L * 1024 * 1024;

    private final String host;
    private final int port;
    private final int udpPort;
    private final Duration idleTimeout;
    private final Duration streamIdleTimeout;
    private final long sessionMaxData;
    private final long streamMaxData;
    private final long maxStreams;
    private final int maxConnections;
    private final int eventLoops;
    private final CongestionControl congestionControl;
    private final RetryPolicy retry;
    private final byte[] secret;
    private final int advertisedPort;
    private final String advertisedHost;
    private final Duration maxAge;
    private final boolean persist;
    private final boolean advertiseOnHttp3;
    private final AltSvcFrameMode altSvcFrame;
    private final boolean earlyData;
    private final Set<String> earlyDataMethods;
    private final Path qlogDirectory;
    private final long qlogMaxBytes;

    private H3Options(Builder builder)
    {
        earlyData = builder.earlyData;
        earlyDataMethods = builder.earlyDataMethods;
        qlogDirectory = builder.qlogDirectory;
        qlogMaxBytes = builder.qlogMaxBytes;
        host = builder.host;
        port = builder.port;
        udpPort = builder.udpPort;
        idleTimeout = builder.idleTimeout;
        streamIdleTimeout = builder.streamIdleTimeout;
        sessionMaxData = builder.sessionMaxData;
        streamMaxData = builder.streamMaxData;
        maxStreams = builder.maxStreams;
        maxConnections = builder.maxConnections;
        eventLoops = builder.eventLoops;
        congestionControl = builder.congestionControl;
        retry = builder.retry;
        secret = builder.secret;
        advertisedPort = builder.advertisedPort;
        advertisedHost = builder.advertisedHost;
        maxAge = builder.maxAge;
        persist = builder.persist;
        advertiseOnHttp3 = builder.advertiseOnHttp3;
        altSvcFrame = builder.altSvcFrame;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    public Builder toBuilder()
    {
        return new Builder(this);
    }

    /** @return the address to bind, or empty for all interfaces */
    public Optional<String> host()
    {
        return Optional.ofNullable(host);
    }

    public int port()
    {
        return port;
    }

    /** @return the UDP port, or empty when it is the TCP port */
    public Optional<Integer> udpPort()
    {
        return udpPort < 0 ? Optional.empty() : Optional.of(udpPort);
    }

    public Duration idleTimeout()
    {
        return idleTimeout;
    }

    /** @return how long a request stream may stay idle before the application's read or write fails; zero: never */
    public Duration streamIdleTimeout()
    {
        return streamIdleTimeout;
    }

    public long sessionMaxData()
    {
        return sessionMaxData;
    }

    public long streamMaxData()
    {
        return streamMaxData;
    }

    public long maxStreams()
    {
        return maxStreams;
    }

    public int maxConnections()
    {
        return maxConnections;
    }

    /** @return the UDP sockets, each with its own event loop, that share the port (epoll only) */
    public int eventLoops()
    {
        return eventLoops;
    }

    public CongestionControl congestionControl()
    {
        return congestionControl;
    }

    public RetryPolicy retry()
    {
        return retry;
    }

    /** @return the secret that keys Retry tokens and stateless-reset tokens, or empty for a random one per start */
    public Optional<byte[]> secret()
    {
        return Optional.ofNullable(secret).map(byte[]::clone);
    }

    /** @return the port to advertise, or empty to advertise the bound UDP port */
    public Optional<Integer> advertisedPort()
    {
        return advertisedPort < 0 ? Optional.empty() : Optional.of(advertisedPort);
    }

    public Optional<String> advertisedHost()
    {
        return Optional.ofNullable(advertisedHost);
    }

    public Duration maxAge()
    {
        return maxAge;
    }

    public boolean persist()
    {
        return persist;
    }

    public boolean advertiseOnHttp3()
    {
        return advertiseOnHttp3;
    }

    /** @return which HTTP/2 {@code ALTSVC} frames are sent beside the header */
    public AltSvcFrameMode altSvcFrame()
    {
        return altSvcFrame;
    }

    /** @return whether 0-RTT (early data) is accepted */
    public boolean earlyData()
    {
        return earlyData;
    }

    /** @return the methods served when they arrive in 0-RTT, upper case; others get {@code 425 Too Early} */
    public Set<String> earlyDataMethods()
    {
        return earlyDataMethods;
    }

    /** @return where every connection writes its qlog, or empty for no qlog unless turned on through JMX */
    public Optional<Path> qlogDirectory()
    {
        return Optional.ofNullable(qlogDirectory);
    }

    /** @return the bound on the total size of the qlog files in the qlog directory */
    public long qlogMaxBytes()
    {
        return qlogMaxBytes;
    }

    /**
     * @param boundUdpPort the UDP port the QUIC connector is bound to
     * @return the {@code h3} alternative to advertise for that port
     */
    public Alternative alternative(int boundUdpPort)
    {
        return Alternative.builder("h3")
            .host(advertisedHost)
            .port(advertisedPort < 0 ? boundUdpPort : advertisedPort)
            .maxAge(maxAge)
            .persist(persist)
            .build();
    }

    @Override
    public String toString()
    {
        return "H3Options{host=" + host + ", port=" + port + ", udpPort=" + (udpPort < 0 ? "=port" : udpPort) +
 ", idleTimeout=" + idleTimeout + ", streamIdleTimeout=" + streamIdleTimeout +
            ", sessionMaxData=" + sessionMaxData + ", streamMaxData=" + streamMaxData + ", maxStreams=" + maxStreams + ", maxConnections=" + maxConnections +
            ", eventLoops=" + eventLoops + ", congestionControl=" + congestionControl + ", retry=" + retry +
            ", secret=" + (secret == null ? "random" : "set") + ", advertisedPort=" + (advertisedPort < 0 ? "=udpPort" : advertisedPort) +
            ", advertisedHost=" + advertisedHost + ", maxAge=" + maxAge.toSeconds() + "s, persist=" + persist +
            ", advertiseOnHttp3=" + advertiseOnHttp3 + ", altSvcFrame=" + altSvcFrame +
            ", earlyData=" + earlyData + ", earlyDataMethods=" + new TreeSet<>(earlyDataMethods) + ", qlogDirectory=" + qlogDirectory + ", qlogMaxBytes=" + qlogMaxBytes + "}";
    }

    /** Builds {@link H3Options}; {@link #build()} refuses invalid combinations with a one-line message. */
    public static final class Builder
    {
        private String host;
        private int port = DEFAULT_PORT;
        private int udpPort = -1;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration streamIdleTimeout = DEFAULT_STREAM_IDLE_TIMEOUT;
        private long sessionMaxData = DEFAULT_SESSION_MAX_DATA;
        private long streamMaxData = DEFAULT_STREAM_MAX_DATA;
        private long maxStreams = DEFAULT_MAX_STREAMS;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int eventLoops = Runtime.getRuntime().availableProcessors();
        private CongestionControl congestionControl = DEFAULT_CONGESTION_CONTROL;
        private RetryPolicy retry = DEFAULT_RETRY;
        private byte[] secret;
        private int advertisedPort = -1;
        private String advertisedHost;
        private Duration maxAge = DEFAULT_MAX_AGE;
        private boolean persist;
        private boolean advertiseOnHttp3;
        private AltSvcFrameMode altSvcFrame = AltSvcFrameMode.OFF;
        private boolean earlyData;
        private Set<String> earlyDataMethods = DEFAULT_EARLY_DATA_METHODS;
        private Path qlogDirectory;
        private long qlogMaxBytes = DEFAULT_QLOG_MAX_BYTES;

        private Builder()
        {
        }

        private Builder(H3Options options)
        {
            earlyData = options.earlyData;
            earlyDataMethods = options.earlyDataMethods;
            qlogDirectory = options.qlogDirectory;
            qlogMaxBytes = options.qlogMaxBytes;
            host = options.host;
            port = options.port;
            udpPort = options.udpPort;
            idleTimeout = options.idleTimeout;
            streamIdleTimeout = options.streamIdleTimeout;
            sessionMaxData = options.sessionMaxData;
            streamMaxData = options.streamMaxData;
            maxStreams = options.maxStreams;
            maxConnections = options.maxConnections;
            eventLoops = options.eventLoops;
            congestionControl = options.congestionControl;
            retry = options.retry;
            secret = options.secret;
            advertisedPort = options.advertisedPort;
            advertisedHost = options.advertisedHost;
            maxAge = options.maxAge;
            persist = options.persist;
            advertiseOnHttp3 = options.advertiseOnHttp3;
            altSvcFrame = options.altSvcFrame;
        }

        /** @param host the address to bind, or null for all interfaces */
        public Builder host(String host)
        {
            this.host = host;
            return this;
        }

        /** @param port the TCP port, 0..65535 (0 picks a free port; the UDP port then follows it); default 8443 */
        public Builder port(int port)
        {
            this.port = checkPort("port", port, 0);
            return this;
        }

        /** @param udpPort the UDP port, 0..65535, or -1 (default) for the TCP port */
        public Builder udpPort(int udpPort)
        {
            this.udpPort = udpPort == -1 ? -1 : checkPort("udpPort", udpPort, 0);
            return this;
        }

        /** @param idleTimeout the QUIC idle timeout, positive; default 30 s */
        public Builder idleTimeout(Duration idleTimeout)
        {
            if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero())
                throw new IllegalArgumentException("H3Options idleTimeout must be positive, got " + idleTimeout);
            this.idleTimeout = idleTimeout;
            return this;
        }

        /**
         * @param streamIdleTimeout how long a request stream may stay idle (no HTTP/3 frame read or written) before
         *        the application's pending read or write fails with a timeout, or, when no application code is
         *        running for it, the stream is reset; zero disables it; default 30 s, as Jetty's HTTP/3
         */
        public Builder streamIdleTimeout(Duration streamIdleTimeout)
        {
            if (streamIdleTimeout == null || streamIdleTimeout.isNegative())
                throw new IllegalArgumentException("H3Options streamIdleTimeout must be zero (never) or positive, got " + streamIdleTimeout);
            this.streamIdleTimeout = streamIdleTimeout;
            return this;
        }

        /** @param bytes the QUIC connection flow-control window, at least 64 KiB; default 24 MiB */
        public Builder sessionMaxData(long bytes)
        {
            this.sessionMaxData = checkAtLeast("sessionMaxData", bytes, 64 * 1024);
            return this;
        }

        /** @param bytes the QUIC per-stream flow-control window, at least 16 KiB; default 16 MiB */
        public Builder streamMaxData(long bytes)
        {
            this.streamMaxData = checkAtLeast("streamMaxData", bytes, 16 * 1024);
            return this;
        }

        /** @param streams the concurrent request streams per connection, at least 1; default 256 */
        public Builder maxStreams(long streams)
        {
            this.maxStreams = checkAtLeast("maxStreams", streams, 1);
            return this;
        }

        /**
         * @param connections the open QUIC connections, at least 1; default 4096. At the limit, new connection
         *        attempts (Initial packets) are dropped until a connection closes; clients fall back to TCP.
         */
        public Builder maxConnections(int connections)
        {
            this.maxConnections = (int)checkAtLeast("maxConnections", connections, 1);
            return this;
        }

        /**
         * @param loops the UDP sockets, each with its own event loop, that share the port through {@code SO_REUSEPORT},
         *        1..256; default the number of cores. Only with epoll (Linux); elsewhere one socket serves the port.
         */
        public Builder eventLoops(int loops)
        {
            if (loops < 1 || loops > 256)
                throw new IllegalArgumentException("H3Options eventLoops must be between 1 and 256, got " + loops);
            this.eventLoops = loops;
            return this;
        }

        /** @param congestionControl the congestion control of accepted QUIC connections; default BBR */
        public Builder congestionControl(CongestionControl congestionControl)
        {
            if (congestionControl == null)
                throw new IllegalArgumentException("H3Options congestionControl must be BBR, CUBIC or RENO, got null");
            this.congestionControl = congestionControl;
            return this;
        }

        /** @param retry when new clients must first prove their address with a Retry round trip; default UNDER_LOAD */
        public Builder retry(RetryPolicy retry)
        {
            if (retry == null)
                throw new IllegalArgumentException("H3Options retry must be ALWAYS, UNDER_LOAD or NEVER, got null");
            this.retry = retry;
            return this;
        }

        /**
         * @param secret at least 16 bytes that key Retry tokens and stateless-reset tokens, or null (default) for a
         *        random one per start. Nodes behind one load balancer share it, so that each accepts the others' tokens
         *        and can reset their connections. Keep it out of logs.
         */
        public Builder secret(byte[] secret)
        {
            if (secret != null && secret.length < 16)
                throw new IllegalArgumentException("H3Options secret must have at least 16 bytes, got " + secret.length);
            this.secret = secret == null ? null : secret.clone();
            return this;
        }

        /** @param port the port to advertise in {@code Alt-Svc}, 1..65535, or -1 (default) for the bound UDP port */
        public Builder advertisedPort(int port)
        {
            this.advertisedPort = port == -1 ? -1 : checkPort("advertisedPort", port, 1);
            return this;
        }

        /**
         * @param host the host to advertise in {@code Alt-Svc}, or null (default) for the same host
         * @throws AltSvcException when it is not a host name or IP address
         */
        public Builder advertisedHost(String host)
        {
            if (host != null)
                Alternative.builder("h3").host(host).port(443).build();
            this.advertisedHost = host;
            return this;
        }

        /** @param maxAge {@code ma}, zero or positive; default 86400 s */
        public Builder maxAge(Duration maxAge)
        {
            if (maxAge == null || maxAge.isNegative())
                throw new IllegalArgumentException("H3Options maxAge must be zero or positive, got " + maxAge);
            this.maxAge = maxAge;
            return this;
        }

        /** @param persist whether to send {@code persist=1}; default false */
        public Builder persist(boolean persist)
        {
            this.persist = persist;
            return this;
        }

        /** @param advertise whether HTTP/3 responses carry {@code Alt-Svc} too; default false */
        public Builder advertiseOnHttp3(boolean advertise)
        {
            this.advertiseOnHttp3 = advertise;
            return this;
        }

        /**
         * @param mode which HTTP/2 {@code ALTSVC} frames (RFC 7838 section 4) to send beside the {@code Alt-Svc} header,
         *        with the same value; default OFF, as in IIS. Needs an HTTP/2 factory on the HTTPS connector.
         */
        public Builder altSvcFrame(AltSvcFrameMode mode)
        {
            if (mode == null)
                throw new IllegalArgumentException("H3Options altSvcFrame must be OFF, CONNECTION or CONNECTION_AND_STREAMS, got null");
            this.altSvcFrame = mode;
            return this;
        }

        /**
         * @param enabled whether to accept 0-RTT (TLS early data) from clients resuming a session; default false.
         *        0-RTT data can be replayed by an attacker who recorded it (RFC 8446 section 8). The application sees
         *        a request only once its connection's handshake completed, which a replayed flight never does; a
         *        client may still send the same 0-RTT request twice, so a request that
         *        arrived in 0-RTT reaches the application with the header {@code Early-Data: 1} and the request
         *        attribute {@code io.github.h3connector.earlyData} set to {@code Boolean.TRUE} (RFC 8470), and one whose
         *        method is not among {@link #earlyDataMethods} is answered {@code 425 Too Early} without reaching the
         *        application; the client then sends it again after the handshake.
         */
        public Builder earlyData(boolean enabled)
        {
            this.earlyData = enabled;
            return this;
        }

        /**
         * @param methods the methods served when they arrive in 0-RTT; default the idempotent ones: GET, HEAD, OPTIONS,
         *        TRACE, PUT, DELETE. Others (POST, PATCH, ...) get {@code 425 Too Early}. Add a method to opt its
         *        requests in (the application then checks {@code Early-Data: 1} itself); leave out PUT and DELETE when
         *        a replayed one could undo a later change.
         */
        public Builder earlyDataMethods(String... methods)
        {
            Set<String> set = new TreeSet<>();
            for (String method : methods == null ? new String[0] : methods)
            {
                if (method == null || !method.matches("[A-Za-z]+"))
                    throw new IllegalArgumentException("H3Options earlyDataMethods must be HTTP method names such as GET, got '" + method + "'");
                set.add(method.toUpperCase(Locale.ROOT));
            }
            this.earlyDataMethods = Set.copyOf(set);
            return this;
        }

        /**
         * @param directory where every QUIC connection writes a qlog file ({@code .sqlog}, JSON-SEQ, opens in qvis), or
         *        null (default) for none unless turned on for some connections through JMX
         *        ({@code H3QuicConnector.recordQlog})
         * @param maxBytes the bound on the total size of the qlog files in that directory, at least 64 KiB; as a
         *        connection starts or ends, the oldest files of ended connections are deleted until the rest fit
         */
        public Builder qlog(Path directory, long maxBytes)
        {
            this.qlogMaxBytes = checkAtLeast("qlog maxBytes", maxBytes, 64 * 1024);
            this.qlogDirectory = directory;
            return this;
        }

        /**
         * @return the options
         * @throws IllegalArgumentException (an {@link AltSvcException} for the advertisement) when the settings cannot work
         */
        public H3Options build()
        {
            H3Options options = new H3Options(this);
            // Build the advertisement once now, so an invalid host or max-age fails at configuration time;
            // 443 stands in for the UDP port, which may only be known after start.
            options.alternative(443);
            return options;
        }

        private static int checkPort(String name, int port, int min)
        {
            if (port < min || port > 65535)
                throw new IllegalArgumentException("H3Options " + name + " must be between " + min + " and 65535, got " + port);
            return port;
        }

        private static long checkAtLeast(String name, long value, long min)
        {
            if (value < min)
                throw new IllegalArgumentException("H3Options " + name + " must be at least " + min + ", got " + value);
            return value;
        }
    }
}
