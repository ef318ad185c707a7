package io.github.h3connector.jetty;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.h3connector.H3Attributes;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** An embedded Jetty with h3connector on a free port and a few servlets that show what tests need to see. */
final class TestServer implements AutoCloseable
{
    final Server server;
    final H3Connector h3;
    /** Released by tests to let /slow finish. */
    final CountDownLatch release = new CountDownLatch(1);
    /** Counted down when /slow has started. */
    final CountDownLatch slowStarted = new CountDownLatch(1);

    TestServer(H3Options.Builder options) throws Exception
    {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("test-server");
        server = new Server(threads);
        h3 = H3Connector.addTo(server, TestKeyStores.serverTls(), options.host("127.0.0.1").port(0).build());
        server.setHandler(servlets());
    }

    static TestServer started() throws Exception
    {
        return started(H3Options.builder());
    }

    static TestServer started(H3Options.Builder options) throws Exception
    {
        // Port 0 gives a free TCP port; the same UDP port can still be taken (by a QUIC client's socket, say): try again.
        for (int attempt = 1; ; attempt++)
        {
            TestServer testServer = new TestServer(options);
            try
            {
                testServer.server.start();
                return testServer;
            }
            catch (UdpPortInUseException taken)
            {
                testServer.server.stop();
                if (attempt == 5)
                    throw taken;
            }
        }
    }

    int port()
    {
        return h3.tlsConnector().getLocalPort();
    }

    int udpPort()
    {
        return h3.quicConnector().getLocalPort();
    }

    String url(String path)
    {
        return "https://localhost:" + port() + path;
    }

    private ServletContextHandler servlets()
    {
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                response.setContentType("application/json");
                response.getWriter().print(json(request, response));
            }
        }), "/protocol");
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response)
            {
                throw new IllegalStateException("thrown by the test servlet");
            }
        }), "/throw");
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                response.getOutputStream().print("committed");
                response.flushBuffer();
                response.getOutputStream().print(" then more");
            }
        }), "/commit");
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                response.setHeader("Alt-Svc", "h3=\"alt.example:9999\"; ma=60");
                response.getWriter().print("app value");
            }
        }), "/app-alt-svc");
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                response.setHeader("X-Before-Reset", "yes");
                response.reset();
                response.getWriter().print("reset");
            }
        }), "/reset");
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                slowStarted.countDown();
                try
                {
                    if (!release.await(30, TimeUnit.SECONDS))
                        throw new IOException("test never released /slow");
                }
                catch (InterruptedException x)
                {
                    throw new IOException(x);
                }
                byte[] chunk = new byte[64 * 1024];
                int chunks = Integer.parseInt(request.getParameter("chunks") == null ? "16" : request.getParameter("chunks"));
                response.setContentLengthLong((long)chunk.length * chunks);
                for (int i = 0; i < chunks; i++)
                    response.getOutputStream().write(chunk);
            }
        }), "/slow");
        return context;
    }

    static String json(HttpServletRequest request, HttpServletResponse response)
    {
        String altSvc = response.getHeader("Alt-Svc");
        return "{\"protocol\":\"" + request.getAttribute(H3Attributes.PROTOCOL) + "\"" +
            ",\"http3\":" + request.getAttribute(H3Attributes.HTTP3) +
            ",\"hopProtocol\":\"" + request.getAttribute(H3Attributes.HOP_PROTOCOL) + "\"" +
            ",\"protocolSource\":\"" + request.getAttribute(H3Attributes.PROTOCOL_SOURCE) + "\"" +
            ",\"servletProtocol\":\"" + request.getProtocol() + "\"" +
            ",\"altSvc\":" + (altSvc == null ? "null" : "\"" + altSvc.replace("\"", "\\\"") + "\"") + "}";
    }

    @Override
    public void close() throws Exception
    {
        release.countDown();
        server.stop();
    }
}
