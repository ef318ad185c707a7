package io.github.h3connector.servlet;

import java.net.URI;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.h3connector.tls.SelfSignedCertificate;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A real embedded Jetty serving {@link TestApp} under {@link AltSvcFilter}, on ee10 or ee11, plain HTTP/1.1 or
 * TLS with HTTP/2 and HTTP/1.1.
 */
final class TestServer implements AutoCloseable
{
    enum Environment
    {
        EE10, EE11
    }

    private final Map<String, String> initParameters = new LinkedHashMap<>();
    private Environment environment = Environment.EE10;
    private EnumSet<DispatcherType> dispatches = EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
    private boolean errorPages;
    private String host = "127.0.0.1";
    private Path keyStore;
    private HttpConfiguration.Customizer customizer;
    private Server server;
    private ServerConnector connector;

    TestServer param(String name, String value)
    {
        initParameters.put(name, value);
        return this;
    }

    TestServer environment(Environment environment)
    {
        this.environment = environment;
        return this;
    }

    TestServer dispatches(EnumSet<DispatcherType> dispatches)
    {
        this.dispatches = dispatches;
        return this;
    }

    /** Maps 404, 500 and 503 to {@link TestApp.ErrorPage} at {@code /error}, so errors go through an ERROR dispatch. */
    TestServer errorPages()
    {
        this.errorPages = true;
        return this;
    }

    TestServer host(String host)
    {
        this.host = host;
        return this;
    }

    /** Serves TLS with ALPN (h2, http/1.1) using a self-signed certificate in {@code keyStore}. */
    TestServer tls(Path keyStore)
    {
        this.keyStore = keyStore;
        return this;
    }

    /** Runs before any handler, like a connector's customizer (Jetty's own {@code http3} module uses one). */
    TestServer customizer(HttpConfiguration.Customizer customizer)
    {
        this.customizer = customizer;
        return this;
    }

    TestServer start() throws Exception
    {
        server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        if (customizer != null)
            config.addCustomizer(customizer);
        if (keyStore == null)
        {
            connector = new ServerConnector(server, new HttpConnectionFactory(config));
        }
        else
        {
            SelfSignedCertificate.createIfAbsent(keyStore, "changeit", "localhost", "127.0.0.1");
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(keyStore.toString());
            ssl.setKeyStorePassword("changeit");
            ssl.setKeyStoreType("PKCS12");
            config.addCustomizer(new SecureRequestCustomizer(false));
            HttpConnectionFactory http11 = new HttpConnectionFactory(config);
            HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(config);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
            alpn.setDefaultProtocol(http11.getProtocol());
            SslConnectionFactory tls = new SslConnectionFactory(ssl, alpn.getProtocol());
            connector = new ServerConnector(server, new ConnectionFactory[]{tls, alpn, h2, http11});
        }
        connector.setHost(host);
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(environment == Environment.EE10 ? ee10() : ee11());
        server.start();
        return this;
    }

    private Handler ee10()
    {
        org.eclipse.jetty.ee10.servlet.ServletContextHandler context = new org.eclipse.jetty.ee10.servlet.ServletContextHandler();
        context.setContextPath("/");
        org.eclipse.jetty.ee10.servlet.FilterHolder filter = new org.eclipse.jetty.ee10.servlet.FilterHolder(AltSvcFilter.class);
        filter.setName("AltSvcFilter");
        filter.setInitParameters(initParameters);
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*", dispatches);
        org.eclipse.jetty.ee10.servlet.ServletHolder app = new org.eclipse.jetty.ee10.servlet.ServletHolder("app", new TestApp());
        app.setAsyncSupported(true);
        context.addServlet(app, "/app/*");
        context.addServlet(new org.eclipse.jetty.ee10.servlet.ServletHolder("error", new TestApp.ErrorPage()), "/error");
        context.addServlet(new org.eclipse.jetty.ee10.servlet.ServletHolder("protocol", new ProtocolServlet()), "/protocol");
        if (errorPages)
        {
            org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler errors = new org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler();
            errors.addErrorPage(404, "/error");
            errors.addErrorPage(500, "/error");
            errors.addErrorPage(503, "/error");
            errors.addErrorPage(Throwable.class, "/error");
            context.setErrorHandler(errors);
        }
        return context;
    }

    private Handler ee11()
    {
        org.eclipse.jetty.ee11.servlet.ServletContextHandler context = new org.eclipse.jetty.ee11.servlet.ServletContextHandler();
        context.setContextPath("/");
        org.eclipse.jetty.ee11.servlet.FilterHolder filter = new org.eclipse.jetty.ee11.servlet.FilterHolder(AltSvcFilter.class);
        filter.setName("AltSvcFilter");
        filter.setInitParameters(initParameters);
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*", dispatches);
        org.eclipse.jetty.ee11.servlet.ServletHolder app = new org.eclipse.jetty.ee11.servlet.ServletHolder("app", new TestApp());
        app.setAsyncSupported(true);
        context.addServlet(app, "/app/*");
        context.addServlet(new org.eclipse.jetty.ee11.servlet.ServletHolder("error", new TestApp.ErrorPage()), "/error");
        if (errorPages)
        {
            org.eclipse.jetty.ee11.servlet.ErrorPageErrorHandler errors = new org.eclipse.jetty.ee11.servlet.ErrorPageErrorHandler();
            errors.addErrorPage(404, "/error");
            errors.addErrorPage(500, "/error");
            errors.addErrorPage(503, "/error");
            errors.addErrorPage(Throwable.class, "/error");
            context.setErrorHandler(errors);
        }
        return context;
    }

    /** @return the URI of {@code /app} with {@code ?do=action} */
    URI uri(String action)
    {
        String literal = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return URI.create((keyStore == null ? "http" : "https") + "://" + literal + ":" + connector.getLocalPort()
            + "/app" + (action == null ? "" : "?do=" + action));
    }

    @Override
    public void close()
    {
        LifeCycle.stop(server);
    }
}
