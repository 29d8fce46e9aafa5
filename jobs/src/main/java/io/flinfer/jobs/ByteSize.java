package io.flinfer.jobs;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Parses sizes such as {@code 512MiB}, {@code 2GiB}, {@code 1.5GB} or plain bytes. */
public final class ByteSize implements CommandLine.ITypeConverter<Long> {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b?|b)?");

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    public static long parse(String value) {
        Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a size; write e.g. 512MiB, 2GiB or 1000000");
        }
        String unit = m.group(2) == null ? "b" : m.group(2);
        boolean binary = unit.contains("i") || unit.length() == 1;
        int power = "bkmgt".indexOf(unit.charAt(0));
        double factor = Math.pow(binary ? 1024 : 1000, power);
        return (long) (Double.parseDouble(m.group(1)) * factor);
    }
}
