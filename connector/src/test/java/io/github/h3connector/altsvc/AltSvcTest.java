package io.github.h3connector.altsvc;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AltSvcTest
{
    @Test
    void clear()
    {
        assertEquals("clear", AltSvc.CLEAR.headerValue());
        assertEquals("clear", AltSvc.CLEAR.toString());
        assertTrue(AltSvc.CLEAR.isClear());
        assertTrue(AltSvc.CLEAR.alternatives().isEmpty());
    }

    @Test
    void oneAlternative()
    {
        AltSvc altSvc = AltSvc.of(Alternative.h3(443));
        assertEquals("h3=\":443\"; ma=86400", altSvc.headerValue());
        assertEquals(altSvc.headerValue(), altSvc.toString());
        assertFalse(altSvc.isClear());
        assertEquals(List.of(Alternative.h3(443)), altSvc.alternatives());
    }

    @Test
    void alternativesKeepTheirOrder()
    {
        Alternative h3 = Alternative.builder("h3").port(443).maxAgeSeconds(2592000).build();
        Alternative h329 = Alternative.builder("h3-29").port(443).maxAgeSeconds(2592000).build();
        Alternative h2 = Alternative.builder("h2").host("alt.example.com").port(443).persist(true).build();
        AltSvc altSvc = AltSvc.of(h3, h329, h2);
        assertEquals("h3=\":443\"; ma=2592000, h3-29=\":443\"; ma=2592000, h2=\"alt.example.com:443\"; ma=86400; persist=1",
            altSvc.headerValue());
        assertEquals(List.of(h3, h329, h2), altSvc.alternatives());
        assertEquals("h2=\"alt.example.com:443\"; ma=86400; persist=1, h3=\":443\"; ma=2592000",
            AltSvc.of(List.of(h2, h3)).headerValue());
    }

    @Test
    void headerValueIsComputedOnce()
    {
        AltSvc altSvc = AltSvc.of(Alternative.h3(443), Alternative.h3(8443));
        assertSame(altSvc.headerValue(), altSvc.headerValue());
        assertSame(altSvc.alternatives(), altSvc.alternatives());
    }

    @Test
    void noAlternativeIsRefused()
    {
        AltSvcException e = assertThrows(AltSvcException.class, () -> AltSvc.of(List.of()));
        assertEquals("Alt-Svc needs at least one alternative, got none (use AltSvc.CLEAR to clear)", e.getMessage());
    }

    @Test
    void nullsAreRefused()
    {
        assertThrows(NullPointerException.class, () -> AltSvc.of((Alternative)null));
        assertThrows(NullPointerException.class, () -> AltSvc.of(Alternative.h3(443), (Alternative)null));
        assertThrows(NullPointerException.class, () -> AltSvc.of((List<Alternative>)null));
        List<Alternative> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> AltSvc.of(withNull));
        assertThrows(NullPointerException.class, () -> AltSvc.parse(null));
    }

    @Test
    void isImmutable()
    {
        List<Alternative> list = new ArrayList<>(List.of(Alternative.h3(443)));
        AltSvc altSvc = AltSvc.of(list);
        list.add(Alternative.h3(8443));
        assertEquals(1, altSvc.alternatives().size());
        assertEquals("h3=\":443\"; ma=86400", altSvc.headerValue());
        assertThrows(UnsupportedOperationException.class, () -> altSvc.alternatives().add(Alternative.h3(1)));
    }

    @Test
    void equalsAndHashCode()
    {
        AltSvc a = AltSvc.of(Alternative.h3(443), Alternative.h3(8443));
        AltSvc b = AltSvc.of(List.of(Alternative.h3(443), Alternative.h3(8443)));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, AltSvc.of(Alternative.h3(8443), Alternative.h3(443)));
        assertNotEquals(a, AltSvc.CLEAR);
        assertNotEquals(AltSvc.CLEAR, a);
        assertEquals(AltSvc.CLEAR, AltSvc.parse("clear"));
    }
}
