package io.github.h3connector.jetty;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.github.h3connector.tls.SelfSignedCertificate;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Attributes;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-request work of {@link AltSvcCustomizer}: {@code customize()} itself, called with a minimal Jetty
 * {@link Request} (a {@link Request.Wrapper} whose {@link ConnectionMetaData} says secure HTTP/2, which is all the
 * customizer reads) on a real, started {@link H3Connector}; and, separately, the exact two operations it performs:
 * {@link H3QuicConnector#altSvcField()} and {@link HttpFields.Mutable#put(HttpField)} of the pre-encoded field.
 * The response fields are one mutable set, reused, holding the headers a response typically has by then, so
 * {@code put} replaces the field in place as it does on a real response (the customizer runs once per response).
 * In this package only because {@code altSvcField()} is package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AltSvcCustomizerBenchmark
{
    private Server server;
    private H3QuicConnector quic;
    private AltSvcCustomizer customizer;
    private Request request;
    private HttpFields.Mutable responseHeaders;

    @Setup(Level.Trial)
    public void start() throws Exception
    {
        Path keyStore = Path.of(System.getProperty("bench.keystore", "target/bench.p12"));
        SelfSignedCertificate.createIfAbsent(keyStore, "benchpwd", "localhost", "127.0.0.1");
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(keyStore.toAbsolutePath().toString());
        tls.setKeyStorePassword("benchpwd");
        server = new Server();
        H3Connector h3 = H3Connector.addTo(server, tls, H3Options.builder().host("127.0.0.1").port(0).build());
        server.start();
        quic = h3.quicConnector();
        HttpConfiguration configuration = h3.tlsConnector().getConnectionFactory(org.eclipse.jetty.server.HttpConnectionFactory.class).getHttpConfiguration();
        customizer = configuration.getCustomizers().stream()
            .filter(AltSvcCustomizer.class::isInstance).map(AltSvcCustomizer.class::cast).findFirst().orElseThrow();
        ConnectionMetaData connection = new SecureHttp2();
        request = new Request.Wrapper(unsupported())
        {
            @Override
            public ConnectionMetaData getConnectionMetaData()
            {
                return connection;
            }
        };
        responseHeaders = HttpFields.build()
            .put(HttpHeader.SERVER, "Jetty")
            .put(HttpHeader.DATE, "Thu, 26 Nov 2026 10:00:00 GMT")
            .put(HttpHeader.CONTENT_TYPE, "text/html;charset=utf-8");
        customizer.customize(request, responseHeaders);
        if (!responseHeaders.get(HttpHeader.ALT_SVC).startsWith("h3=\":"))
            throw new IllegalStateException("the customizer did not put Alt-Svc: " + responseHeaders);
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception
    {
        server.stop();
    }

    /** What Jetty calls once per request. */
    @Benchmark
    public HttpFields.Mutable customize()
    {
        customizer.customize(request, responseHeaders);
        return responseHeaders;
    }

    /** The exact operations {@code customize()} performs, without the connection checks and the counter. */
    @Benchmark
    public HttpFields.Mutable altSvcFieldAndPut()
    {
        HttpField field = quic.altSvcField();
        if (field != null)
            responseHeaders.put(field);
        return responseHeaders;
    }

    /** For comparison: what a naive customizer would do, format the value per request into a new field. */
    @Benchmark
    public HttpFields.Mutable naiveFormatPerRequest()
    {
        responseHeaders.put(HttpHeader.ALT_SVC, String.format("h3=\":%d\"; ma=%d", quic.getLocalPort(), 86400));
        return responseHeaders;
    }

    /** A Request whose every method fails: the wrapper overrides the only one the customizer calls. */
    private static Request unsupported()
    {
        return (Request)java.lang.reflect.Proxy.newProxyInstance(Request.class.getClassLoader(), new Class<?>[]{Request.class},
            (proxy, method, args) ->
            {
                throw new UnsupportedOperationException("benchmark stub: " + method.getName());
            });
    }

    /** Just enough connection metadata for the customizer: secure, HTTP/2. */
    private static final class SecureHttp2 extends Attributes.Lazy implements ConnectionMetaData
    {
        private final SocketAddress address = new InetSocketAddress("127.0.0.1", 443);

        @Override
        public String getId()
        {
            return "bench";
        }

        @Override
        public HttpConfiguration getHttpConfiguration()
        {
            return null;
        }

        @Override
        public HttpVersion getHttpVersion()
        {
            return HttpVersion.HTTP_2;
        }

        @Override
        public String getProtocol()
        {
            return "h2";
        }

        @Override
        public Connection getConnection()
        {
            return null;
        }

        @Override
        public Connector getConnector()
        {
            return null;
        }

        @Override
        public boolean isPersistent()
        {
            return true;
        }

        @Override
        public boolean isSecure()
        {
            return true;
        }

        @Override
        public SocketAddress getRemoteSocketAddress()
        {
            return address;
        }

        @Override
        public SocketAddress getLocalSocketAddress()
        {
            return address;
        }
    }
}
