package io.flinfer.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL queries of a Grafana dashboard, and what each one selects: the metric names it reads
 * and the label matchers it puts on them. Enough PromQL to check a dashboard against a scrape, not
 * a full parser.
 */
record DashboardQueries(List<Query> queries) {
    /** One panel target. */
    record Query(String panel, String expr) {
        /** Every metric name in the query: identifiers that are neither functions, keywords, labels nor strings. */
        List<String> metricNames() {
            String bare = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // string literals
                    .replaceAll("\\{[^}]*}", " ")                               // label matchers
                    .replaceAll("\\[[^]]*]", " ")                               // range durations
                    .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
            List<String> names = new ArrayList<>();
            Matcher m = IDENTIFIER.matcher(bare);
            while (m.find()) {
                boolean call = bare.substring(m.end()).stripLeading().startsWith("(");
                if (!call && !KEYWORDS.contains(m.group())) {
                    names.add(m.group());
                }
            }
            return names;
        }

        /** Every label the query groups or matches by: in {@code by (...)} and {@code on (...)}. */
        List<String> groupingLabels() {
            List<String> labels = new ArrayList<>();
            Matcher m = GROUPING.matcher(expr);
            while (m.find()) {
                for (String label : m.group(1).split(",")) {
                    if (!label.isBlank()) {
                        labels.add(label.strip());
                    }
                }
            }
            return labels;
        }

        /** Every {@code name{label op "value", ...}} in the query. */
        List<Selector> selectors() {
            List<Selector> selectors = new ArrayList<>();
            Matcher m = SELECTOR.matcher(expr);
            while (m.find()) {
                List<LabelMatcher> matchers = new ArrayList<>();
                Matcher l = MATCHER.matcher(m.group(2));
                while (l.find()) {
                    matchers.add(new LabelMatcher(l.group(1), l.group(2), l.group(3)));
                }
                selectors.add(new Selector(m.group(1), matchers));
            }
            return selectors;
        }
    }

    /** A metric name with label matchers. */
    record Selector(String metric, List<LabelMatcher> matchers) {}

    /** {@code label op "value"}, op one of = != =~ !~. */
    record LabelMatcher(String label, String op, String value) {}

    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.])[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset");
    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}");
    private static final Pattern GROUPING = Pattern.compile("\\b(?:by|on)\\s*\\(([^)]*)\\)");
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!=|!~|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    static DashboardQueries load(Path dashboard) throws IOException {
        JsonNode root = new ObjectMapper().readTree(dashboard.toFile());
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : root.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new Query(panel.path("title").asText(), target.path("expr").asText()));
            }
        }
        return new DashboardQueries(queries);
    }
}
