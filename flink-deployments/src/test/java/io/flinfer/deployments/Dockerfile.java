package io.flinfer.deployments;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The parts of flink-deployments/Dockerfile the tests check: ARG defaults and COPY instructions. */
record Dockerfile(Map<String, String> args, List<Copy> copies) {
    static final Path PATH = Path.of("Dockerfile");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)}");

    /** One COPY with its variables substituted; paths of the source are relative to the repository root. */
    record Copy(String source, String destination) {}

    static Dockerfile read() throws IOException {
        Map<String, String> args = new HashMap<>();
        List<Copy> copies = new ArrayList<>();
        for (String line : Files.readAllLines(PATH)) {
            String[] words = line.strip().split("\\s+");
            if (words[0].equals("ARG") && words.length == 2 && words[1].contains("=")) {
                String[] nameValue = words[1].split("=", 2);
                args.put(nameValue[0], nameValue[1]);
            } else if (words[0].equals("COPY")) {
                List<String> operands = new ArrayList<>();
                for (int i = 1; i < words.length; i++) {
                    if (!words[i].startsWith("--")) {
                        operands.add(substitute(words[i], args));
                    }
                }
                if (operands.size() != 2) {
                    throw new IllegalStateException("expected COPY SOURCE DEST, got: " + line);
                }
                copies.add(new Copy(operands.get(0), operands.get(1)));
            }
        }
        return new Dockerfile(args, copies);
    }

    /** Where the image holds the job jar: the destination of the COPY of a jar built under jobs/target. */
    String jobJarInImage() {
        return copyFrom("jobs/target/", ".jar").destination();
    }

    Copy copyFrom(String prefix, String suffix) {
        return copies.stream().filter(c -> c.source().startsWith(prefix) && c.source().endsWith(suffix)).findFirst()
                .orElseThrow(() -> new AssertionError("no COPY of " + prefix + "..." + suffix + " in " + copies));
    }

    private static String substitute(String word, Map<String, String> args) {
        Matcher m = VARIABLE.matcher(word);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = args.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException("COPY uses ${" + m.group(1) + "}, which no ARG defines");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return m.appendTail(out).toString();
    }
}
