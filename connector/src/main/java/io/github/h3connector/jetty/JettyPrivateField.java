package io.github.h3connector.jetty;

import java.lang.reflect.Field;

import org.slf4j.Logger;

/** Reaches a private field of Jetty's, where h3connector works around a Jetty 12.1.5 defect that has no API. */
final class JettyPrivateField
{
    private JettyPrivateField()
    {
    }

    /**
     * @param withoutIt what goes wrong when the field cannot be used, for the warning
     * @param addOpens the {@code --add-opens} value that allows the access on the module path
     * @return {@code owner.name}, made accessible, if it has {@code type}; else null, after one warning through {@code log}
     */
    static Field find(Class<?> owner, String name, Class<?> type, String withoutIt, String addOpens, Logger log)
    {
        try
        {
            Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            if (field.getType() == type)
                return field;
            log.warn("Jetty's {}.{} is a {}, not a {}: {}", owner.getSimpleName(), name, field.getType(), type.getSimpleName(), withoutIt);
        }
        catch (ReflectiveOperationException | RuntimeException x)
        {
            log.warn("cannot reach Jetty's {}.{} ({}): {}; on the module path add --add-opens {}", owner.getSimpleName(), name, x.toString(), withoutIt, addOpens);
        }
        return null;
    }
}
