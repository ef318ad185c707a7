package io.github.h3connector.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One HTTP/1.1 keep-alive connection over TLS (ALPN http/1.1) on a raw socket, so that the test controls exactly when
 * each request is sent on which connection. Trusts the container's self-signed certificate.
 */
final class RawHttp1 implements AutoCloseable
{
    /** A response head and body; {@code eof} when the server closed the connection instead of answering. */
    record Response(boolean eof, int status, List<String> head, String body)
    {
        List<String> values(String name)
        {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return head.stream().filter(line -> line.toLowerCase(Locale.ROOT).startsWith(prefix))
                .map(line -> line.substring(prefix.length()).strip()).toList();
        }

        boolean closes()
        {
            return values("Connection").stream().anyMatch(v -> v.equalsIgnoreCase("close"));
        }

        @Override
        public String toString()
        {
            return eof ? "EOF (connection closed without a response)" : String.join("\n", head) + "\n\n" + body;
        }
    }

    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttp1(String host, int port) throws Exception
    {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[]{new X509TrustManager()
        {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType)
            {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType)
            {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers()
            {
                return new X509Certificate[0];
            }
        }}, null);
        socket = (SSLSocket)tls.getSocketFactory().createSocket(host, port);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[]{"http/1.1"});
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(15_000);
        socket.startHandshake();
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Sends {@code GET path} and reads the whole response (Content-Length bodies only). */
    Response get(String path) throws IOException
    {
        out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        List<String> head = new ArrayList<>();
        String line;
        try
        {
            line = readLine();
        }
        catch (IOException closed)
        {
            return new Response(true, 0, List.of(), "");
        }
        if (line == null)
            return new Response(true, 0, List.of(), "");
        for (; line != null && !line.isEmpty(); line = readLine())
            head.add(line);
        int status = Integer.parseInt(head.get(0).split(" ")[1]);
        Response partial = new Response(false, status, head, "");
        int length = partial.values("Content-Length").stream().findFirst().map(Integer::parseInt).orElse(0);
        byte[] body = in.readNBytes(length);
        if (body.length != length)
            throw new IOException("short body: " + body.length + " of " + length + " bytes after\n" + String.join("\n", head));
        return new Response(false, status, head, new String(body, StandardCharsets.UTF_8));
    }

    private String readLine() throws IOException
    {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); ; b = in.read())
        {
            if (b < 0)
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            if (b == '\n')
            {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
        }
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }
}
