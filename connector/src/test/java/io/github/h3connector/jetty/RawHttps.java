package io.github.h3connector.jetty;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** HTTP/1.1 over a raw TLS socket, byte for byte: what keep-alive and header tests need to control exactly. */
final class RawHttps
{
    private RawHttps()
    {
    }

    /** A TLS socket to 127.0.0.1 that trusts any certificate, with a 10 s read timeout. */
    static SSLSocket trustingSocket(int port) throws Exception
    {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[]{new X509TrustManager()
        {
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType)
            {
            }

            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType)
            {
            }

            public java.security.cert.X509Certificate[] getAcceptedIssuers()
            {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        SSLSocket socket = (SSLSocket)context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** One HTTP/1.1 keep-alive exchange of GET /protocol; returns the head in lower case plus the body. */
    static String exchange(Socket socket) throws Exception
    {
        return exchange(socket, "GET /protocol HTTP/1.1\r\nHost: localhost\r\n\r\n");
    }

    /** Writes {@code request} as is; returns the response head in lower case plus the body. */
    static String exchange(Socket socket, String request) throws Exception
    {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        StringBuilder head = new StringBuilder();
        int length = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine())
        {
            head.append(line.toLowerCase(Locale.ROOT)).append('\n');
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                length = Integer.parseInt(line.substring(15).strip());
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length)
        {
            int n = in.read(body, read, length - read);
            if (n < 0)
                break;
            read += n;
        }
        return head + new String(body, 0, read);
    }
}
