package io.github.h3connector.jetty.module;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import io.github.h3connector.jetty.AltSvcFrameMode;
import io.github.h3connector.jetty.CongestionControl;
import io.github.h3connector.jetty.H3Connector;
import io.github.h3connector.jetty.H3Options;
import io.github.h3connector.jetty.H3ReadinessHandler;
import io.github.h3connector.jetty.NodeNameCustomizer;
import io.github.h3connector.jetty.RetryPolicy;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Glue between the {@code h3connector} Jetty module ({@code etc/h3connector.xml}) and {@link H3Connector}: Jetty XML
 * passes the module properties as a map of strings, each under its own name, this class parses them, builds {@link H3Options} and calls
 * {@link H3Connector#attachTo(ServerConnector, H3Options)} on the HTTPS connector of Jetty's {@code ssl} module.
 *
 * <p>An empty or {@code null} value means "the default of {@link H3Options}". A bad value fails start with one line
 * that names the property, for example
 * {@code jetty.h3connector.altSvcMaxAgeSeconds must be a whole number of seconds >= 0, got 'abc'}.
 */
public final class H3ModuleSupport
{
    public static final String ADVERTISED_PORT = "jetty.h3connector.advertisedPort";
    public static final String ADVERTISED_HOST = "jetty.h3connector.advertisedHost";
    public static final String ALT_SVC_MAX_AGE_SECONDS = "jetty.h3connector.altSvcMaxAgeSeconds";
    public static final String ALT_SVC_PERSIST = "jetty.h3connector.altSvcPersist";
    public static final String ALT_SVC_ON_HTTP3 = "jetty.h3connector.altSvcOnHttp3";
    public static final String UDP_PORT = "jetty.h3connector.udpPort";
    public static final String QUIC_HOST = "jetty.quic.host";
    public static final String IDLE_TIMEOUT = "jetty.quic.idleTimeout";
    /** Jetty's own http3 module's name for it. */
    public static final String STREAM_IDLE_TIMEOUT = "jetty.http3.streamIdleTimeout";
    public static final String SESSION_MAX_DATA = "jetty.quic.sessionMaxData";
    public static final String STREAM_MAX_DATA = "jetty.quic.streamMaxData";
    public static final String BIDIRECTIONAL_MAX_STREAMS = "jetty.quic.bidirectionalMaxStreams";
    public static final String MAX_CONNECTIONS = "jetty.h3connector.maxConnections";
    public static final String CONGESTION_CONTROL = "jetty.quic.congestionControl";
    public static final String ALT_SVC_FRAME = "jetty.h3connector.altSvcFrame";
    public static final String EVENT_LOOPS = "jetty.h3connector.eventLoops";
    public static final String RETRY = "jetty.h3connector.retry";
    public static final String EARLY_DATA = "jetty.h3connector.earlyData";
    public static final String EARLY_DATA_METHODS = "jetty.h3connector.earlyDataMethods";
    public static final String QLOG_DIRECTORY = "jetty.h3connector.qlogDirectory";
    public static final String QLOG_MAX_BYTES = "jetty.h3connector.qlogMaxBytes";
    public static final String SECRET_FILE = "jetty.h3connector.secretFile";
    public static final String SECRET_ENV = "jetty.h3connector.secretEnv";
    public static final String NODE_NAME = "jetty.h3connector.nodeName";
    public static final String READINESS_PATH = "jetty.h3connector.readinessPath";

    /** The properties {@link #attach} reads, in the order {@code etc/h3connector.xml} passes them. */
    public static final List<String> PROPERTIES = List.of(ADVERTISED_PORT, ADVERTISED_HOST, ALT_SVC_MAX_AGE_SECONDS, ALT_SVC_PERSIST,
        ALT_SVC_ON_HTTP3, UDP_PORT, QUIC_HOST, IDLE_TIMEOUT, STREAM_IDLE_TIMEOUT, SESSION_MAX_DATA, STREAM_MAX_DATA, BIDIRECTIONAL_MAX_STREAMS, MAX_CONNECTIONS,
        CONGESTION_CONTROL, ALT_SVC_FRAME, EVENT_LOOPS, RETRY, EARLY_DATA, EARLY_DATA_METHODS, QLOG_DIRECTORY, QLOG_MAX_BYTES, SECRET_FILE,
        SECRET_ENV, NODE_NAME);

    /** The minimum of {@link H3Options.Builder#secret(byte[])}. */
    private static final int MINIMUM_SECRET_BYTES = 16;

    private H3ModuleSupport()
    {
    }

    /**
     * Adds HTTP/3 beside {@code https}, configured from module properties: {@code etc/h3connector.xml} passes each
     * property under its own name ({@link #PROPERTIES}); an absent, empty or {@code null} value means the default.
     *
     * @return the attached connector pair
     * @throws IllegalArgumentException when a property is unknown or invalid; the message names the property (and the value)
     */
    public static H3Connector attach(ServerConnector https, Map<String, String> properties)
    {
        if (https == null)
            throw new IllegalArgumentException("h3connector needs Jetty's HTTPS connector (id sslConnector of the ssl module): enable the ssl and https modules");
        Map<String, String> values = known(properties);
        H3Options.Builder builder = options(values, https.getHost());
        secret(values.get(SECRET_FILE), values.get(SECRET_ENV), System::getenv).ifPresent(builder::secret);
        String nodeName = values.get(NODE_NAME);
        NodeNameCustomizer node = isBlank(nodeName) ? null : nodeNameCustomizer(nodeName);
        H3Connector connector = H3Connector.attachTo(https, build(builder));
        if (node != null)
            httpConfiguration(https).addCustomizer(node);
        return connector;
    }

    /**
     * The shared secret named by {@value #SECRET_FILE} (a file) or {@value #SECRET_ENV} (the name of an environment
     * variable), at most one of them: its text, surrounding white space removed, as UTF-8 bytes; at least 16 of them
     * (for example the output of {@code openssl rand -base64 32}). Errors name the property and the file or variable,
     * never the secret.
     *
     * @param environment looks environment variables up ({@code System::getenv})
     * @return the secret, or empty when neither property is set (a random secret per start)
     * @throws IllegalArgumentException when both are set, the file cannot be read, the variable is unset or the secret is too short
     */
    public static Optional<byte[]> secret(String secretFile, String secretEnv, UnaryOperator<String> environment)
    {
        if (!isBlank(secretFile) && !isBlank(secretEnv))
            throw new IllegalArgumentException(SECRET_FILE + " and " + SECRET_ENV + " are both set: set only one of them");
        String text;
        String source;
        if (!isBlank(secretFile))
        {
            Path file = Path.of(secretFile.strip());
            source = SECRET_FILE + "=" + show(file.toString());
            try
            {
                text = Files.readString(file, StandardCharsets.UTF_8);
            }
            catch (IOException | UncheckedIOException x)
            {
                throw new IllegalArgumentException(source + " cannot be read (" + x.getClass().getSimpleName() +
                    "): create it with at least 16 bytes, for example 'openssl rand -base64 32 > " + show(file.toString()) + "'", x);
            }
        }
        else if (!isBlank(secretEnv))
        {
            String name = secretEnv.strip();
            source = SECRET_ENV + "=" + show(name);
            text = environment.apply(name);
            if (text == null)
                throw new IllegalArgumentException(source + " names an environment variable that is not set: export " + show(name) +
                    " with at least 16 bytes, for example $(openssl rand -base64 32)");
        }
        else
        {
            return Optional.empty();
        }
        byte[] secret = text.strip().getBytes(StandardCharsets.UTF_8);
        if (secret.length < MINIMUM_SECRET_BYTES)
            throw new IllegalArgumentException(source + ": the secret has " + secret.length + " bytes, it needs at least " + MINIMUM_SECRET_BYTES +
                ": use for example the output of 'openssl rand -base64 32', the same on every node");
        return Optional.of(secret);
    }

    /**
     * Answers {@code readinessPath} (200 while the HTTP/3 listener is up, 503 while it drains or is stopped) in front of
     * the server's handlers; nothing when the path is empty.
     *
     * @return the handler, or null when the property is empty
     * @throws IllegalArgumentException when the path is invalid; the message names the property
     */
    public static H3ReadinessHandler readiness(Server server, H3Connector connector, String readinessPath)
    {
        if (isBlank(readinessPath))
            return null;
        H3ReadinessHandler handler;
        try
        {
            handler = new H3ReadinessHandler(connector.quicConnector(), readinessPath.strip());
        }
        catch (IllegalArgumentException x)
        {
            throw new IllegalArgumentException(READINESS_PATH + "=" + show(readinessPath.strip()) + " is invalid: " + x.getMessage(), x);
        }
        server.insertHandler(handler);
        return handler;
    }

    /** The HTTP configuration HTTPS and HTTP/3 share (that of the connector's first HTTP factory, as {@link H3Connector} takes it). */
    private static HttpConfiguration httpConfiguration(ServerConnector https)
    {
        return https.getConnectionFactories().stream()
            .filter(HttpConfiguration.ConnectionFactory.class::isInstance)
            .map(factory -> ((HttpConfiguration.ConnectionFactory)factory).getHttpConfiguration())
            .findFirst().orElseThrow();
    }

    private static NodeNameCustomizer nodeNameCustomizer(String nodeName)
    {
        try
        {
            return new NodeNameCustomizer(nodeName.strip());
        }
        catch (IllegalArgumentException x)
        {
            throw new IllegalArgumentException(NODE_NAME + "=" + show(nodeName.strip()) + " is invalid: " + x.getMessage(), x);
        }
    }

    /**
     * Parses the module properties that make {@link H3Options} (all of {@link #PROPERTIES} but the secret's and the node
     * name's) into a builder; an absent, empty or {@code null} value means the default. {@link #attach} binds to the
     * HTTPS connector's host when {@value #QUIC_HOST} is empty; this does not.
     *
     * @throws IllegalArgumentException when a property is unknown or invalid; the message names the property (and the value)
     */
    public static H3Options.Builder options(Map<String, String> properties)
    {
        return options(known(properties), null);
    }

    /** @return the properties, once each is known to be one of {@link #PROPERTIES} */
    private static Map<String, String> known(Map<String, String> properties)
    {
        Map<String, String> known = new HashMap<>();
        // Jetty XML's <Map> is a raw HashMap: the key and value types are not checked before here.
        for (Map.Entry<?, ?> entry : properties.entrySet())
        {
            String name = String.valueOf(entry.getKey());
            if (!PROPERTIES.contains(name))
                throw new IllegalArgumentException(show(name) + " is not an h3connector module property: use one of " + String.join(", ", PROPERTIES));
            known.put(name, entry.getValue() == null ? null : String.valueOf(entry.getValue()));
        }
        return known;
    }

    private static H3Options.Builder options(Map<String, String> properties, String httpsHost)
    {
        String advertisedPort = properties.get(ADVERTISED_PORT);
        String advertisedHost = properties.get(ADVERTISED_HOST);
        String altSvcMaxAgeSeconds = properties.get(ALT_SVC_MAX_AGE_SECONDS);
        String altSvcPersist = properties.get(ALT_SVC_PERSIST);
        String altSvcOnHttp3 = properties.get(ALT_SVC_ON_HTTP3);
        String udpPort = properties.get(UDP_PORT);
        String quicHost = isBlank(properties.get(QUIC_HOST)) ? httpsHost : properties.get(QUIC_HOST);
        String idleTimeout = properties.get(IDLE_TIMEOUT);
        String streamIdleTimeout = properties.get(STREAM_IDLE_TIMEOUT);
        String sessionMaxData = properties.get(SESSION_MAX_DATA);
        String streamMaxData = properties.get(STREAM_MAX_DATA);
        String bidirectionalMaxStreams = properties.get(BIDIRECTIONAL_MAX_STREAMS);
        String maxConnections = properties.get(MAX_CONNECTIONS);
        String congestionControl = properties.get(CONGESTION_CONTROL);
        String altSvcFrame = properties.get(ALT_SVC_FRAME);
        String eventLoops = properties.get(EVENT_LOOPS);
        String retry = properties.get(RETRY);
        H3Options.Builder builder = H3Options.builder();
        if (!isBlank(advertisedPort))
        {
            int port = parsePort(ADVERTISED_PORT, advertisedPort, "a port number 1..65535, or -1 for the bound UDP port");
            apply(ADVERTISED_PORT, advertisedPort, () -> builder.advertisedPort(port));
        }
        if (!isBlank(advertisedHost))
            apply(ADVERTISED_HOST, advertisedHost, () -> builder.advertisedHost(advertisedHost.strip()));
        if (!isBlank(altSvcMaxAgeSeconds))
        {
            long seconds = parseLong(ALT_SVC_MAX_AGE_SECONDS, altSvcMaxAgeSeconds, "a whole number of seconds >= 0", 0);
            apply(ALT_SVC_MAX_AGE_SECONDS, altSvcMaxAgeSeconds, () -> builder.maxAge(Duration.ofSeconds(seconds)));
        }
        if (!isBlank(altSvcPersist))
            builder.persist(parseBoolean(ALT_SVC_PERSIST, altSvcPersist));
        if (!isBlank(altSvcOnHttp3))
            builder.advertiseOnHttp3(parseBoolean(ALT_SVC_ON_HTTP3, altSvcOnHttp3));
        if (!isBlank(udpPort))
        {
            int port = parsePort(UDP_PORT, udpPort, "a port number 0..65535, or -1 for the port number of jetty.ssl.port");
            apply(UDP_PORT, udpPort, () -> builder.udpPort(port));
        }
        if (!isBlank(quicHost))
            builder.host(quicHost.strip());
        if (!isBlank(idleTimeout))
        {
            long millis = parseLong(IDLE_TIMEOUT, idleTimeout, "a whole number of milliseconds > 0", 1);
            apply(IDLE_TIMEOUT, idleTimeout, () -> builder.idleTimeout(Duration.ofMillis(millis)));
        }
        if (!isBlank(streamIdleTimeout))
        {
            long millis = parseLong(STREAM_IDLE_TIMEOUT, streamIdleTimeout, "a whole number of milliseconds >= 0 (0: never)", 0);
            apply(STREAM_IDLE_TIMEOUT, streamIdleTimeout, () -> builder.streamIdleTimeout(Duration.ofMillis(millis)));
        }
        if (!isBlank(sessionMaxData))
        {
            long bytes = parseLong(SESSION_MAX_DATA, sessionMaxData, "a whole number of bytes", Long.MIN_VALUE);
            apply(SESSION_MAX_DATA, sessionMaxData, () -> builder.sessionMaxData(bytes));
        }
        if (!isBlank(streamMaxData))
        {
            long bytes = parseLong(STREAM_MAX_DATA, streamMaxData, "a whole number of bytes", Long.MIN_VALUE);
            apply(STREAM_MAX_DATA, streamMaxData, () -> builder.streamMaxData(bytes));
        }
        if (!isBlank(bidirectionalMaxStreams))
        {
            long streams = parseLong(BIDIRECTIONAL_MAX_STREAMS, bidirectionalMaxStreams, "a whole number of streams", Long.MIN_VALUE);
            apply(BIDIRECTIONAL_MAX_STREAMS, bidirectionalMaxStreams, () -> builder.maxStreams(streams));
        }
        if (!isBlank(maxConnections))
        {
            long connections = parseLong(MAX_CONNECTIONS, maxConnections, "a whole number of connections", Long.MIN_VALUE);
            apply(MAX_CONNECTIONS, maxConnections, () -> builder.maxConnections((int)Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, connections))));
        }
        if (!isBlank(congestionControl))
        {
            builder.congestionControl(parseEnum(CONGESTION_CONTROL, congestionControl, CongestionControl.class, "BBR, CUBIC or RENO"));
        }
        if (!isBlank(altSvcFrame))
        {
            builder.altSvcFrame(parseEnum(ALT_SVC_FRAME, altSvcFrame, AltSvcFrameMode.class, "OFF, CONNECTION or CONNECTION_AND_STREAMS"));
        }
        if (!isBlank(eventLoops))
        {
            long loops = parseLong(EVENT_LOOPS, eventLoops, "a whole number of event loops", Long.MIN_VALUE);
            apply(EVENT_LOOPS, eventLoops, () -> builder.eventLoops((int)Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, loops))));
        }
        if (!isBlank(retry))
        {
            builder.retry(parseEnum(RETRY, retry, RetryPolicy.class, "ALWAYS, UNDER_LOAD or NEVER"));
        }
        String earlyData = properties.get(EARLY_DATA);
        String earlyDataMethods = properties.get(EARLY_DATA_METHODS);
        String qlogDirectory = properties.get(QLOG_DIRECTORY);
        String qlogMaxBytes = properties.get(QLOG_MAX_BYTES);
        if (!isBlank(earlyData))
            builder.earlyData(parseBoolean(EARLY_DATA, earlyData));
        if (!isBlank(earlyDataMethods))
            apply(EARLY_DATA_METHODS, earlyDataMethods, () -> builder.earlyDataMethods(earlyDataMethods.strip().split("\\s*,\\s*")));
        long maxBytes = isBlank(qlogMaxBytes) ? H3Options.DEFAULT_QLOG_MAX_BYTES
            : parseLong(QLOG_MAX_BYTES, qlogMaxBytes, "a whole number of bytes >= 65536", 64 * 1024);
        if (!isBlank(qlogDirectory))
            apply(QLOG_DIRECTORY, qlogDirectory, () -> builder.qlog(Path.of(qlogDirectory.strip()), maxBytes));
        else
            builder.qlog(null, maxBytes);
        return builder;
    }

    private static H3Options build(H3Options.Builder builder)
    {
        try
        {
            return builder.build();
        }
        catch (IllegalArgumentException x)
        {
            throw new IllegalArgumentException("h3connector module properties are invalid: " + x.getMessage(), x);
        }
    }

    /** The value with control characters escaped, so that a message stays on one line. */
    private static String show(String value)
    {
        StringBuilder shown = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            switch (c)
            {
                case '\r' -> shown.append("\\r");
                case '\n' -> shown.append("\\n");
                default -> shown.append(Character.isISOControl(c) ? String.format("\\u%04x", (int)c) : String.valueOf(c));
            }
        }
        return shown.toString();
    }

    private static void apply(String property, String value, Runnable setter)
    {
        try
        {
            setter.run();
        }
        catch (IllegalArgumentException x)
        {
            throw new IllegalArgumentException(property + "=" + show(value.strip()) + " is invalid: " + x.getMessage(), x);
        }
    }

    private static int parsePort(String property, String value, String required)
    {
        long port = parseLong(property, value, required, Long.MIN_VALUE);
        if (port != -1 && (port < 0 || port > 65535))
            throw new IllegalArgumentException(property + " must be " + required + ", got '" + show(value) + "'");
        return (int)port;
    }

    /** @return the constant named by {@code value}, in any case; else one line naming {@code property} and {@code allowed} */
    private static <E extends Enum<E>> E parseEnum(String property, String value, Class<E> type, String allowed)
    {
        try
        {
            return Enum.valueOf(type, value.strip().toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException x)
        {
            throw new IllegalArgumentException(property + " must be " + allowed + ", got '" + show(value) + "'");
        }
    }

    private static long parseLong(String property, String value, String required, long min)
    {
        long parsed;
        try
        {
            parsed = Long.parseLong(value.strip());
        }
        catch (NumberFormatException x)
        {
            throw new IllegalArgumentException(property + " must be " + required + ", got '" + show(value) + "'");
        }
        if (parsed < min)
            throw new IllegalArgumentException(property + " must be " + required + ", got '" + show(value) + "'");
        return parsed;
    }

    private static boolean parseBoolean(String property, String value)
    {
        String v = value.strip();
        if ("true".equalsIgnoreCase(v))
            return true;
        if ("false".equalsIgnoreCase(v))
            return false;
        throw new IllegalArgumentException(property + " must be true or false, got '" + show(value) + "'");
    }

    private static boolean isBlank(String value)
    {
        return value == null || value.isBlank();
    }
}
