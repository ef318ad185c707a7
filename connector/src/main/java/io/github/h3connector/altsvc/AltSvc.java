package io.github.h3connector.altsvc;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A whole Alt-Svc field value (RFC 7838 §3): either {@link #CLEAR}, which tells the client to forget the alternatives
 * of the origin, or one or more {@link Alternative alternatives} in order of preference.
 *
 * <pre>{@code
 * AltSvc.of(Alternative.h3(443), Alternative.builder("h2").port(443).build()).headerValue()
 *     // h3=":443"; ma=86400, h2=":443"; ma=86400
 * AltSvc.parse("h2=\":8000\"; ma=60")
 * }</pre>
 *
 * <p>The header text is computed once, in the constructor: a server writes the same instance on every response.
 * Instances are immutable and safe to share between threads.
 */
public final class AltSvc
{
    /** The {@code clear} value: the origin has no alternatives, and the client should forget those it knew. */
    public static final AltSvc CLEAR = new AltSvc(List.of(), "clear");

    private final List<Alternative> alternatives;
    private final String headerValue;

    private AltSvc(List<Alternative> alternatives, String headerValue)
    {
        this.alternatives = alternatives;
        this.headerValue = headerValue;
    }

    /**
     * @param first the preferred alternative
     * @param more further alternatives, in decreasing order of preference
     * @return the field value
     */
    public static AltSvc of(Alternative first, Alternative... more)
    {
        List<Alternative> all = new ArrayList<>(1 + more.length);
        all.add(Objects.requireNonNull(first, "first"));
        for (Alternative alternative : more)
            all.add(Objects.requireNonNull(alternative, "alternative"));
        return of(all);
    }

    /**
     * @param alternatives the alternatives, in decreasing order of preference; at least one
     * @return the field value
     * @throws AltSvcException if the list is empty: use {@link #CLEAR} to say there is none
     */
    public static AltSvc of(List<Alternative> alternatives)
    {
        // List.copyOf refuses null elements, and makes the list immutable whatever the caller does afterwards.
        List<Alternative> copy = List.copyOf(alternatives);
        if (copy.isEmpty())
            throw new AltSvcException("Alt-Svc needs at least one alternative, got none (use AltSvc.CLEAR to clear)");
        StringBuilder out = new StringBuilder(copy.size() * 32);
        for (Alternative alternative : copy)
        {
            if (out.length() > 0)
                out.append(", ");
            out.append(alternative.headerValue());
        }
        return new AltSvc(copy, out.toString());
    }

    /**
     * Parses a field value strictly against the RFC 7838 §3 grammar, so that a mistake in configuration or a
     * malformed upstream header is reported rather than half-understood.
     *
     * <p>Accepted as the RFC allows: optional whitespace around separators, empty list elements, unknown parameters
     * (ignored), a {@code persist} other than {@code 1} (ignored), quoted-pair escapes in the alt-authority, and
     * percent-encoded protocol ids. A missing {@code ma} means the RFC default of 86400 seconds; an {@code ma} beyond
     * {@link Alternative#MAX_MAX_AGE_SECONDS} is capped to it, as RFC 9111 §1.2.2 tells recipients to do. Every value
     * produced by {@link #headerValue()} parses back to an equal instance.
     *
     * @param fieldValue the field value, without the {@code Alt-Svc:} name
     * @return the parsed value; {@link #CLEAR} for {@code clear}
     * @throws AltSvcException with the index of the first problem
     */
    public static AltSvc parse(String fieldValue)
    {
        List<Alternative> alternatives = new AltSvcParser(Objects.requireNonNull(fieldValue, "fieldValue")).parse();
        return alternatives.isEmpty() ? CLEAR : of(alternatives);
    }

    /**
     * @return whether this is {@link #CLEAR}
     */
    public boolean isClear()
    {
        return alternatives.isEmpty();
    }

    /**
     * @return the alternatives in decreasing order of preference, unmodifiable; empty for {@link #CLEAR}
     */
    public List<Alternative> alternatives()
    {
        return alternatives;
    }

    /**
     * @return the field value to write, such as {@code h3=":443"; ma=86400} or {@code clear}
     */
    public String headerValue()
    {
        return headerValue;
    }

    @Override
    public boolean equals(Object other)
    {
        return this == other || (other instanceof AltSvc that && alternatives.equals(that.alternatives));
    }

    @Override
    public int hashCode()
    {
        return alternatives.hashCode();
    }

    /**
     * @return the {@link #headerValue()}
     */
    @Override
    public String toString()
    {
        return headerValue;
    }
}
