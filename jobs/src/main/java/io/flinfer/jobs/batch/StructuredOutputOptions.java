package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.sampling.StructuredOutput;
import io.flinfer.engine.structured.ConstraintException;
import io.flinfer.engine.structured.GrammarCompiler;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.Path;
import picocli.CommandLine.Option;

/**
 * One output constraint for every row of a dataset. It is compiled here, before the job starts, so
 * a bad schema or regex is one error for the run rather than one per row.
 */
public final class StructuredOutputOptions {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--json-schema", paramLabel = "FILE",
            description = {"Every row's output is JSON valid for this JSON Schema (a file, on any Flink file system);"
                    + " the parsed value also lands in a structured_output column (a struct in Parquet)."
                    + " Keywords: docs/structured-outputs.md."})
    String jsonSchema;

    @Option(names = "--regex", paramLabel = "REGEX", description = "Every row's output fully matches this regular expression; also in a structured_output column.")
    String regex;

    @Option(names = "--choice", split = ",", paramLabel = "TEXT",
            description = "Every row's output is exactly one of these strings (comma-separated, or repeat the option); also in a structured_output column.")
    List<String> choice;

    /** The dataset's typed column and its constraint, checked; null when no option asks for one. */
    StructuredColumn column(boolean parquet) throws IOException {
        List<String> given = new ArrayList<>();
        if (jsonSchema != null) given.add("--json-schema");
        if (regex != null) given.add("--regex");
        if (choice != null) given.add("--choice");
        if (given.size() > 1) {
            throw new IllegalArgumentException("give one output constraint, not " + String.join(" and ", given));
        }
        if (given.isEmpty()) {
            return null;
        }
        StructuredColumn column;
        if (jsonSchema != null) {
            column = new StructuredColumn(StructuredOutput.Kind.JSON_SCHEMA, read(new Path(jsonSchema)), parquet);
        } else if (regex != null) {
            column = new StructuredColumn(StructuredOutput.Kind.REGEX, regex, parquet);
        } else {
            column = new StructuredColumn(StructuredOutput.Kind.CHOICE,
                    JSON.valueToTree(choice).toString(), parquet);
        }
        try {
            GrammarCompiler.compile(column.constraint());
        } catch (ConstraintException e) {
            throw new IllegalArgumentException(given.get(0) + ": " + e.getMessage(), e);
        }
        return column;
    }

    /** Whether any constraint option was given. */
    boolean given() {
        return jsonSchema != null || regex != null || choice != null;
    }

    private static String read(Path file) throws IOException {
        try (InputStream in = file.getFileSystem().open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("--json-schema " + file + " does not exist", e);
        }
    }
}
