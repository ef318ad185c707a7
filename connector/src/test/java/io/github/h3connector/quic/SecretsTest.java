package io.github.h3connector.quic;

import java.nio.ByteBuffer;
import java.util.Arrays;

import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Connection ids: routable to their socket, derived from the secret, the same on every node that shares it. */
class SecretsTest
{
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();
    private static final ByteBuffer CLIENT_DCID = ByteBuffer.wrap(new byte[]{1, 2, 3, 4, 5, 6, 7, 8});

    @Test
    void idsStartWithTheIndexOfTheirSocket()
    {
        for (int index : new int[]{0, 1, 7, 300})
        {
            QuicConnectionIdGenerator generator = new Secrets(SECRET).connectionIdGenerator(index);
            for (ByteBuffer id : new ByteBuffer[]{generator.newId(20), generator.newId(CLIENT_DCID.duplicate(), 20)})
            {
                assertEquals(20, id.remaining());
                assertEquals(index, Short.toUnsignedInt(id.getShort(id.position())));
            }
        }
    }

    @Test
    void theFirstIdIsDerivedFromTheClientsIdAndTheSecret()
    {
        ByteBuffer a = new Secrets(SECRET).connectionIdGenerator(1).newId(CLIENT_DCID.duplicate(), 20);
        ByteBuffer b = new Secrets(SECRET).connectionIdGenerator(1).newId(CLIENT_DCID.duplicate(), 20);
        assertEquals(a, b, "another node with the same secret derives the same id");
        byte[] other = SECRET.clone();
        other[5] ^= 1;
        assertNotEquals(a, new Secrets(other).connectionIdGenerator(1).newId(CLIENT_DCID.duplicate(), 20));
        assertNotEquals(a, new Secrets(SECRET).connectionIdGenerator(1).newId(ByteBuffer.wrap(new byte[]{1, 2, 3, 4, 5, 6, 7, 9}), 20));
    }

    @Test
    void laterIdsAreRandom()
    {
        QuicConnectionIdGenerator generator = new Secrets(SECRET).connectionIdGenerator(0);
        byte[] first = new byte[20];
        generator.newId(20).get(first);
        byte[] second = new byte[20];
        generator.newId(20).get(second);
        assertNotEquals(Arrays.toString(first), Arrays.toString(second));
    }

    /**
     * Netty derives a connection's spare ids (NEW_CONNECTION_ID) from its first id, in a loop: they must differ, or a
     * client retiring one retires them all. Seen through the dispatcher's 2-byte index prefix, as Netty passes them.
     */
    @Test
    void spareIdsDerivedFromAnIdOfOursDiffer()
    {
        Secrets secrets = new Secrets(SECRET);
        QuicConnectionIdGenerator generator = secrets.connectionIdGenerator(3);
        ByteBuffer first = generator.newId(CLIENT_DCID.duplicate(), 18);
        ByteBuffer withDispatcherPrefix = ByteBuffer.allocate(20).putShort((short)3).put(first.duplicate()).flip();
        java.util.Set<ByteBuffer> ids = new java.util.HashSet<>();
        ids.add(first);
        for (int i = 0; i < 4; i++)
        {
            ByteBuffer spare = generator.newId(withDispatcherPrefix.duplicate(), 18);
            assertEquals(3, spare.getShort(0), "index of the socket");
            ids.add(spare);
        }
        assertEquals(5, ids.size(), "the first id and 4 distinct spares");
        assertTrue(secrets.isOurs(first));
        assertTrue(secrets.isOurs(withDispatcherPrefix));
        assertFalse(secrets.isOurs(CLIENT_DCID));
        assertFalse(new Secrets("another secret of 32 bytes......".getBytes()).isOurs(withDispatcherPrefix), "ids of another secret");
    }
}
