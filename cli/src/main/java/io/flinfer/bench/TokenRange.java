package io.flinfer.bench;

import java.util.Random;
import picocli.CommandLine;

/** A length drawn uniformly from {@code [min, max]}, written {@code A:B} or just {@code A}. */
public record TokenRange(int min, int max) {
    public TokenRange {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("token range " + min + ":" + max + " is empty or not positive");
        }
    }

    public static TokenRange parse(String text) {
        String[] parts = text.trim().split(":", -1);
        try {
            if (parts.length == 1) {
                int n = Integer.parseInt(parts[0]);
                return new TokenRange(n, n);
            }
            if (parts.length == 2) {
                return new TokenRange(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("'" + text + "' is not a token length: write N or MIN:MAX, e.g. 128:512");
    }

    int sample(Random random) {
        return min + random.nextInt(max - min + 1);
    }

    @Override
    public String toString() {
        return min == max ? Integer.toString(min) : min + ":" + max;
    }

    /** Lets picocli read {@code --input-len 128:512}. */
    public static final class Converter implements CommandLine.ITypeConverter<TokenRange> {
        @Override
        public TokenRange convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
