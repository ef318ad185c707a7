package io.github.h3connector.demo;

/** The little JSON this demo writes: strings, booleans and null. */
final class Json
{
    private Json()
    {
    }

    /** @return {@code value} as a JSON string literal, or {@code null} */
    static String string(Object value)
    {
        if (value == null)
            return "null";
        String text = value.toString();
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++)
        {
            char c = text.charAt(i);
            switch (c)
            {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default ->
                {
                    if (c < 0x20)
                        json.append(String.format("\\u%04x", (int)c));
                    else
                        json.append(c);
                }
            }
        }
        return json.append('"').toString();
    }

    /** @return {@code true}, {@code false} or {@code null} */
    static String bool(Object value)
    {
        return value instanceof Boolean b ? b.toString() : "null";
    }
}
