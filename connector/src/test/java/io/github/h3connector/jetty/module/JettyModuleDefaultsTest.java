package io.github.h3connector.jetty.module;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;

import io.github.h3connector.jetty.H3Options;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import static io.github.h3connector.jetty.module.H3ModuleSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The documentation of the Jetty module must not drift from the code: every {@code # key=default} of the
 * {@code [ini-template]} equals the {@code default} of the same property in {@code etc/h3connector.xml}, and those
 * defaults, parsed by {@link H3ModuleSupport}, give exactly {@link H3Options}' defaults.
 */
class JettyModuleDefaultsTest
{
    static final Path MOD = Path.of("src/main/config/modules/h3connector.mod");
    static final Path XML = Path.of("src/main/config/etc/h3connector.xml");
    /** The properties {@link H3ModuleSupport#attach} reads, in the order the XML passes them. */
    static final List<String> ATTACH_PROPERTIES = List.of(ADVERTISED_PORT, ADVERTISED_HOST, ALT_SVC_MAX_AGE_SECONDS, ALT_SVC_PERSIST,
        ALT_SVC_ON_HTTP3, UDP_PORT, QUIC_HOST, IDLE_TIMEOUT, STREAM_IDLE_TIMEOUT, SESSION_MAX_DATA, STREAM_MAX_DATA,
        BIDIRECTIONAL_MAX_STREAMS, MAX_CONNECTIONS, CONGESTION_CONTROL, ALT_SVC_FRAME, EVENT_LOOPS, RETRY,
        EARLY_DATA, EARLY_DATA_METHODS, QLOG_DIRECTORY, QLOG_MAX_BYTES, SECRET_FILE, SECRET_ENV, NODE_NAME);

    static List<String> mod;
    static Map<String, String> template;
    static Map<String, String> xml;

    @BeforeAll
    static void read() throws Exception
    {
        mod = Files.readAllLines(MOD);
        template = iniTemplateDefaults(mod);
        xml = xmlDefaults(XML);
    }

    @Test
    void templateDocumentsEveryXmlPropertyWithTheSameDefault()
    {
        assertEquals(xml, template, "[ini-template] of " + MOD + " vs <Property default> of " + XML);
    }

    @Test
    void xmlPassesEachPropertyUnderItsOwnName() throws Exception
    {
        // attach's properties, then that of the readiness call.
        List<String> expected = new ArrayList<>(ATTACH_PROPERTIES);
        expected.add(H3ModuleSupport.READINESS_PATH);
        assertEquals(expected, new ArrayList<>(xml.keySet()));
        assertEquals(ATTACH_PROPERTIES, H3ModuleSupport.PROPERTIES);
        // Each entry of attach's map: the key is the name of the property that gives the value.
        NodeList entries = parse(XML).getElementsByTagName("Entry");
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < entries.getLength(); i++)
        {
            NodeList items = ((Element)entries.item(i)).getElementsByTagName("Item");
            String key = items.item(0).getTextContent();
            keys.add(key);
            Element property = (Element)((Element)items.item(1)).getElementsByTagName("Property").item(0);
            assertEquals(key, property.getAttribute("name"), "the entry for " + key + " in " + XML);
        }
        assertEquals(ATTACH_PROPERTIES, keys);
    }

    @Test
    void templateDefaultsAreTheDefaultsOfH3Options()
    {
        Map<String, String> attachTemplate = new LinkedHashMap<>(template);
        attachTemplate.keySet().retainAll(ATTACH_PROPERTIES);
        H3Options.Builder fromTemplateBuilder = H3ModuleSupport.options(attachTemplate);
        H3Options fromTemplate = fromTemplateBuilder.build();
        H3Options defaults = H3Options.builder().build();
        assertEquals(defaults.toString(), fromTemplate.toString());

        // The same, value by value, so that a failure names the property.
        assertEquals(String.valueOf(H3Options.DEFAULT_MAX_AGE.toSeconds()), template.get(ALT_SVC_MAX_AGE_SECONDS));
        assertEquals(String.valueOf(defaults.persist()), template.get(ALT_SVC_PERSIST));
        assertEquals(String.valueOf(defaults.advertiseOnHttp3()), template.get(ALT_SVC_ON_HTTP3));
        assertEquals(String.valueOf(H3Options.DEFAULT_IDLE_TIMEOUT.toMillis()), template.get(IDLE_TIMEOUT));
        assertEquals(String.valueOf(H3Options.DEFAULT_STREAM_IDLE_TIMEOUT.toMillis()), template.get(STREAM_IDLE_TIMEOUT));
        assertEquals(String.valueOf(H3Options.DEFAULT_SESSION_MAX_DATA), template.get(SESSION_MAX_DATA));
        assertEquals(String.valueOf(H3Options.DEFAULT_STREAM_MAX_DATA), template.get(STREAM_MAX_DATA));
        assertEquals(String.valueOf(H3Options.DEFAULT_MAX_STREAMS), template.get(BIDIRECTIONAL_MAX_STREAMS));
        assertEquals(String.valueOf(H3Options.DEFAULT_MAX_CONNECTIONS), template.get(MAX_CONNECTIONS));
        assertEquals(H3Options.DEFAULT_CONGESTION_CONTROL.name(), template.get(CONGESTION_CONTROL));
        assertEquals(H3Options.DEFAULT_RETRY.name(), template.get(RETRY));
        assertEquals(String.valueOf(defaults.earlyData()), template.get(EARLY_DATA));
        assertEquals(H3Options.DEFAULT_EARLY_DATA_METHODS, java.util.Set.of(template.get(EARLY_DATA_METHODS).split(",")));
        assertEquals("", template.get(QLOG_DIRECTORY));
        assertEquals(String.valueOf(H3Options.DEFAULT_QLOG_MAX_BYTES), template.get(QLOG_MAX_BYTES));
        assertEquals("", template.get(EVENT_LOOPS));
        assertEquals(defaults.altSvcFrame().name(), template.get(ALT_SVC_FRAME));
        assertEquals("-1", template.get(ADVERTISED_PORT));
        assertTrue(defaults.advertisedPort().isEmpty());
        assertEquals("-1", template.get(UDP_PORT));
        assertTrue(defaults.udpPort().isEmpty());
        assertEquals("", template.get(ADVERTISED_HOST));
        assertTrue(defaults.advertisedHost().isEmpty());
    }

    @Test
    void everyTemplatePropertyHasASentence()
    {
        int start = mod.indexOf("[ini-template]");
        assertEquals("# tag::documentation[]", mod.get(start + 1));
        assertTrue(mod.contains("# end::documentation[]"));
        for (int i = start + 2; i < mod.size(); i++)
        {
            String line = mod.get(i);
            if (line.matches("# [a-zA-Z.]+=.*"))
                assertTrue(mod.get(i - 1).startsWith("## "), "no '## sentence' above " + line);
        }
    }

    @Test
    void moduleHasJettySections()
    {
        for (String section : List.of("[description]", "[tags]", "[depends]", "[lib]", "[xml]", "[ini-template]"))
            assertTrue(mod.contains(section), section);
        List<String> depends = section("[depends]");
        assertEquals(List.of("ssl", "https", "http2"), depends);
        // Jetty's quiche QUIC server is not needed: the engine is Netty's, its jars in lib/h3connector.
        assertTrue(section("[lib]").containsAll(List.of("lib/http3/*.jar", "lib/quic/jetty-quic-api-*.jar", "lib/quic/jetty-quic-common-*.jar",
            "lib/quic/jetty-quic-server-*.jar", "lib/quic/jetty-quic-util-*.jar")), section("[lib]").toString());
        assertTrue(section("[tags]").contains("experimental"));
        assertEquals(List.of("etc/h3connector.xml"), section("[xml]"));
        assertTrue(section("[lib]").contains("lib/h3connector/*.jar"));
        assertFalse(section("[depends]").contains("http3"), "Jetty's http3 module would add a second QUIC connector on 8444");
    }

    private static List<String> section(String name)
    {
        List<String> lines = new ArrayList<>();
        for (int i = mod.indexOf(name) + 1; i < mod.size() && !mod.get(i).startsWith("["); i++)
        {
            if (!mod.get(i).isBlank() && !mod.get(i).startsWith("#"))
                lines.add(mod.get(i).strip());
        }
        return lines;
    }

    static Map<String, String> iniTemplateDefaults(List<String> lines)
    {
        Pattern property = Pattern.compile("^# ([a-zA-Z0-9.]+)=(.*)$");
        Map<String, String> defaults = new LinkedHashMap<>();
        boolean inTemplate = false;
        for (String line : lines)
        {
            if (line.startsWith("["))
                inTemplate = line.equals("[ini-template]");
            else if (inTemplate)
            {
                Matcher m = property.matcher(line);
                if (m.matches() && defaults.put(m.group(1), m.group(2)) != null)
                    throw new AssertionError("duplicate " + m.group(1) + " in [ini-template]");
            }
        }
        return defaults;
    }

    static Map<String, String> xmlDefaults(Path file) throws Exception
    {
        NodeList properties = parse(file).getElementsByTagName("Property");
        Map<String, String> defaults = new LinkedHashMap<>();
        for (int i = 0; i < properties.getLength(); i++)
        {
            Element property = (Element)properties.item(i);
            assertTrue(property.hasAttribute("default"), "no default for " + property.getAttribute("name") + " in " + file);
            defaults.put(property.getAttribute("name"), property.getAttribute("default"));
        }
        return defaults;
    }

    private static Document parse(Path file) throws Exception
    {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setValidating(false);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return factory.newDocumentBuilder().parse(file.toFile());
    }
}
