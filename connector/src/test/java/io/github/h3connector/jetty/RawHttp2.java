package io.github.h3connector.jetty;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * An HTTP/2 client over a raw TLS socket that shows every frame the server sends, extension frames included (Jetty's
 * client drops frame types it does not know). Just enough HTTP/2 for GET requests: HPACK literals, no flow control.
 */
final class RawHttp2 implements AutoCloseable
{
    static final int DATA = 0x0, HEADERS = 0x1, SETTINGS = 0x4, GOAWAY = 0x7, WINDOW_UPDATE = 0x8, ALTSVC = 0xa;
    static final int END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as received; {@link #altSvcOrigin()} and {@link #altSvcValue()} decode an ALTSVC payload. */
    record Frame(int type, int flags, int streamId, byte[] payload)
    {
        String altSvcOrigin()
        {
            int length = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
            return new String(payload, 2, length, StandardCharsets.US_ASCII);
        }

        String altSvcValue()
        {
            int length = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
            return new String(payload, 2 + length, payload.length - 2 - length, StandardCharsets.US_ASCII);
        }

        boolean endStream()
        {
            return (type == DATA || type == HEADERS) && (flags & END_STREAM) != 0;
        }

        @Override
        public String toString()
        {
            return type == ALTSVC ? "ALTSVC(stream " + streamId + ", origin=[" + altSvcOrigin() + "], value=[" + altSvcValue() + "])"
                : "frame(type " + type + ", flags " + flags + ", stream " + streamId + ", " + payload.length + " bytes)";
        }
    }

    private final SSLSocket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** Every frame received so far, in order. */
    final List<Frame> received = new ArrayList<>();
    private int nextStreamId = 1;

    /**
     * Connects to 127.0.0.1:{@code port} with ALPN h2 and sends the client preface.
     *
     * @param sni the TLS server name to send, or null for none (as for a URL with an IP address)
     */
    RawHttp2(int port, String sni) throws Exception
    {
        socket = RawHttps.trustingSocket(port);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[]{"h2"});
        parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        if (!"h2".equals(socket.getApplicationProtocol()))
            throw new IOException("ALPN chose '" + socket.getApplicationProtocol() + "', not h2");
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        out.write(PREFACE);
        writeFrame(SETTINGS, 0, 0, new byte[0]);
    }

    /** Sends GET {@code path}; returns its stream id. */
    int get(String authority, String path) throws IOException
    {
        int streamId = nextStreamId;
        nextStreamId += 2;
        byte[] block = concat(new byte[]{(byte)0x82, (byte)0x87}, // :method GET, :scheme https (static table)
            literal(4, path), literal(1, authority));              // :path, :authority (literal, name from the static table)
        writeFrame(HEADERS, END_HEADERS | END_STREAM, streamId, block);
        return streamId;
    }

    /** Reads frames until {@code streamId} ends; answers the server's SETTINGS. @return the frames read by this call */
    List<Frame> readUntilEndOf(int streamId) throws IOException
    {
        List<Frame> frames = new ArrayList<>();
        while (true)
        {
            Frame frame = readFrame();
            frames.add(frame);
            if (frame.type() == GOAWAY)
                throw new IOException("GOAWAY from the server: " + frames);
            if (frame.streamId() == streamId && frame.endStream())
                return frames;
        }
    }

    Frame readFrame() throws IOException
    {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int streamId = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        Frame frame = new Frame(type, flags, streamId, payload);
        received.add(frame);
        if (type == SETTINGS && (flags & ACK) == 0)
            writeFrame(SETTINGS, ACK, 0, new byte[0]);
        return frame;
    }

    List<Frame> altSvcFrames()
    {
        return received.stream().filter(frame -> frame.type() == ALTSVC).toList();
    }

    private void writeFrame(int type, int flags, int streamId, byte[] payload) throws IOException
    {
        byte[] header = {(byte)(payload.length >>> 16), (byte)(payload.length >>> 8), (byte)payload.length, (byte)type, (byte)flags,
            (byte)(streamId >>> 24), (byte)(streamId >>> 16), (byte)(streamId >>> 8), (byte)streamId};
        out.write(concat(header, payload));
        out.flush();
    }

    /** An HPACK "literal header field without indexing", name from static table entry {@code nameIndex} (< 15). */
    private static byte[] literal(int nameIndex, String value)
    {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > 126)
            throw new IllegalArgumentException("value too long for this test client: " + value);
        return concat(new byte[]{(byte)nameIndex, (byte)bytes.length}, bytes);
    }

    private static byte[] concat(byte[]... parts)
    {
        int length = 0;
        for (byte[] part : parts)
            length += part.length;
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts)
        {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }
}
