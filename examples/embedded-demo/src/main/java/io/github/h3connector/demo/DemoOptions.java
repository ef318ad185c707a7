package io.github.h3connector.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

import io.github.h3connector.jetty.AltSvcFrameMode;
import io.github.h3connector.jetty.H3Options;
import io.github.h3connector.jetty.RetryPolicy;

/**
 * The command line of the demo: {@code [--port N] [--keystore FILE --keystore-password P] [--altsvc-frame[=MODE]]
 * [--early-data] [--retry=POLICY] [--idle-timeout=SECONDS]}.
 * Immutable; {@link #parse(String...)} refuses bad arguments with a one-line {@link UsageException}.
 */
public final class DemoOptions
{
    /** TCP and UDP port when {@code --port} is not given. */
    public static final int DEFAULT_PORT = 8443;
    /** Written by {@link DemoServer#main(String[])} when no {@code --keystore} is given: in the working directory. */
    public static final Path DEFAULT_KEYSTORE = Path.of("h3connector-demo.p12");
    /** The password of {@link #DEFAULT_KEYSTORE}; a development certificate, so it is fixed and printed. */
    public static final String DEFAULT_KEYSTORE_PASSWORD = "h3connector-demo";
    public static final String USAGE = "usage: java -jar embedded-demo.jar [--port N] [--keystore FILE --keystore-password P] [--altsvc-frame[=connection|connection_and_streams]] [--early-data] [--retry=always|under_load|never] [--idle-timeout=SECONDS]";
    private static final String OPTIONS = "options: --port N, --keystore FILE, --keystore-password P, --altsvc-frame[=MODE], --early-data, --retry=POLICY, --idle-timeout=SECONDS";

    private final String host;
    private final int port;
    private final Path keyStore;
    private final String keyStorePassword;
    private final boolean help;
    private final AltSvcFrameMode altSvcFrame;
    private final boolean earlyData;
    /** null: the connector's default */
    private final RetryPolicy retry;
    /** null: the connector's default */
    private final Duration idleTimeout;

    private DemoOptions(String host, int port, Path keyStore, String keyStorePassword, boolean help, AltSvcFrameMode altSvcFrame,
                        boolean earlyData, RetryPolicy retry, Duration idleTimeout)
    {
        this.earlyData = earlyData;
        this.retry = retry;
        this.idleTimeout = idleTimeout;
        this.altSvcFrame = altSvcFrame;
        this.host = host;
        this.port = port;
        this.keyStore = keyStore;
        this.keyStorePassword = keyStorePassword;
        this.help = help;
    }

    /**
     * Options for code that starts the demo itself (tests): no argument checks beyond non-null, and port 0 picks a free
     * port.
     *
     * @param host the address to bind, or null for all interfaces
     * @param port the TCP and UDP port, 0 for a free one
     * @param keyStore a PKCS12 keystore
     * @param keyStorePassword its password
     */
    public static DemoOptions of(String host, int port, Path keyStore, String keyStorePassword)
    {
        if (port < 0 || port > 65535)
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        return new DemoOptions(host, port, Objects.requireNonNull(keyStore, "keyStore"),
            Objects.requireNonNull(keyStorePassword, "keyStorePassword"), false, AltSvcFrameMode.OFF, false, null, null);
    }

    /**
     * Parses the command line.
     *
     * @throws UsageException with a one-line message when an argument is wrong
     */
    public static DemoOptions parse(String... args)
    {
        int port = DEFAULT_PORT;
        Path keyStore = null;
        String password = null;
        boolean help = false;
        AltSvcFrameMode altSvcFrame = AltSvcFrameMode.OFF;
        boolean earlyData = false;
        RetryPolicy retry = null;
        Duration idleTimeout = null;
        for (int i = 0; i < args.length; i++)
        {
            String arg = args[i];
            String name = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0)
            {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            switch (name)
            {
                case "-h", "--help" -> help = true;
                case "--port" ->
                {
                    value = value != null ? value : value(args, ++i, name);
                    port = port(value);
                }
                case "--keystore" ->
                {
                    value = value != null ? value : value(args, ++i, name);
                    if (value.isBlank())
                        throw new UsageException("--keystore needs a file name");
                    keyStore = Path.of(value);
                }
                case "--keystore-password" -> password = value != null ? value : value(args, ++i, name);
                // A flag: the mode only after '=', so that "--altsvc-frame --port 1" keeps working.
                case "--altsvc-frame" -> altSvcFrame = value == null ? AltSvcFrameMode.CONNECTION : altSvcFrame(value);
                case "--early-data" ->
                {
                    if (value != null)
                        throw new UsageException("--early-data takes no value, got " + arg);
                    earlyData = true;
                }
                case "--retry" -> retry = retry(value != null ? value : value(args, ++i, name));
                case "--idle-timeout" -> idleTimeout = idleTimeout(value != null ? value : value(args, ++i, name));
                default -> throw new UsageException(arg.startsWith("-")
                    ? "unknown option " + arg + " (" + OPTIONS + ")"
                    : "unexpected argument " + arg + " (" + OPTIONS + ")");
            }
        }
        if (help)
            return new DemoOptions(null, port, keyStore, password, true, altSvcFrame, earlyData, retry, idleTimeout);
        if (keyStore != null)
        {
            if (!Files.isRegularFile(keyStore))
                throw new UsageException("--keystore file not found: " + keyStore.toAbsolutePath());
            if (!Files.isReadable(keyStore))
                throw new UsageException("--keystore file not readable: " + keyStore.toAbsolutePath());
            if (password == null)
                throw new UsageException("--keystore needs --keystore-password");
        }
        else if (password != null)
        {
            throw new UsageException("--keystore-password needs --keystore");
        }
        return new DemoOptions(null, port, keyStore, password, false, altSvcFrame, earlyData, retry, idleTimeout);
    }

    private static AltSvcFrameMode altSvcFrame(String value)
    {
        try
        {
            return AltSvcFrameMode.valueOf(value.strip().toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException x)
        {
            throw new UsageException("--altsvc-frame must be off, connection or connection_and_streams, got " + value);
        }
    }

    private static RetryPolicy retry(String value)
    {
        try
        {
            return RetryPolicy.valueOf(value.strip().toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException x)
        {
            throw new UsageException("--retry must be always, under_load or never, got " + value);
        }
    }

    private static Duration idleTimeout(String value)
    {
        try
        {
            int seconds = Integer.parseInt(value.strip());
            if (seconds >= 1 && seconds <= 3600)
                return Duration.ofSeconds(seconds);
        }
        catch (NumberFormatException ignored)
        {
            // Same message as out of range.
        }
        throw new UsageException("--idle-timeout must be 1..3600 seconds, got " + value);
    }

    private static String value(String[] args, int index, String option)
    {
        if (index >= args.length)
            throw new UsageException(option + " needs a value");
        return args[index];
    }

    private static int port(String value)
    {
        try
        {
            int port = Integer.parseInt(value.strip());
            if (port >= 1 && port <= 65535)
                return port;
        }
        catch (NumberFormatException ignored)
        {
            // Same message as out of range.
        }
        throw new UsageException("--port must be 1..65535, got " + value);
    }

    /** @return the address to bind, or null for all interfaces */
    public String host()
    {
        return host;
    }

    /** @return the TCP and UDP port */
    public int port()
    {
        return port;
    }

    /** @return the keystore, or null when none was given (the demo then makes a self-signed one) */
    public Path keyStore()
    {
        return keyStore;
    }

    public String keyStorePassword()
    {
        return keyStorePassword;
    }

    /** @return whether {@code --help} was given */
    public boolean help()
    {
        return help;
    }

    /** @return which HTTP/2 ALTSVC frames to send beside the Alt-Svc header ({@code --altsvc-frame}); default OFF */
    public AltSvcFrameMode altSvcFrame()
    {
        return altSvcFrame;
    }

    /** @return whether 0-RTT is accepted ({@code --early-data}); default off, as the connector's */
    public boolean earlyData()
    {
        return earlyData;
    }

    /** @return {@code --retry}, or null for the connector's default */
    public RetryPolicy retry()
    {
        return retry;
    }

    /** @return {@code --idle-timeout}, or null for the connector's default */
    public Duration idleTimeout()
    {
        return idleTimeout;
    }

    /** Applies the QUIC switches of the command line to the connector's options. */
    H3Options.Builder applyTo(H3Options.Builder builder)
    {
        builder.earlyData(earlyData);
        if (retry != null)
            builder.retry(retry);
        if (idleTimeout != null)
            builder.idleTimeout(idleTimeout);
        return builder;
    }

    /** @return these options with the given keystore */
    public DemoOptions withKeyStore(Path keyStore, String keyStorePassword)
    {
        return new DemoOptions(host, port, keyStore, keyStorePassword, help, altSvcFrame, earlyData, retry, idleTimeout);
    }

    /** @return these options with the given ALTSVC frame mode */
    public DemoOptions withAltSvcFrame(AltSvcFrameMode mode)
    {
        return new DemoOptions(host, port, keyStore, keyStorePassword, help, Objects.requireNonNull(mode, "mode"), earlyData, retry, idleTimeout);
    }

    @Override
    public String toString()
    {
        return "DemoOptions{host=" + host + ", port=" + port + ", keyStore=" + keyStore + ", altSvcFrame=" + altSvcFrame + ", earlyData=" + earlyData +
            ", retry=" + retry + ", idleTimeout=" + idleTimeout + "}";
    }

    /** A wrong command line; the message is one line meant for the user. */
    public static final class UsageException extends IllegalArgumentException
    {
        public UsageException(String message)
        {
            super(message);
        }
    }
}
