package io.flinfer.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The finished part files become the one output, in part-name order, and nothing appears at the output before that. */
class OutputCommitTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message row { optional binary q (STRING); optional binary generated_text (STRING); }");

    @TempDir java.nio.file.Path dir;

    @Test
    void concatenatesTheFinishedJsonlPartsInNameOrderAndSkipsHiddenOnes() throws Exception {
        java.nio.file.Path parts = Files.createDirectories(dir.resolve("parts"));
        Files.writeString(parts.resolve("part-1-0.jsonl"), "{\"n\":3}\n");
        Files.writeString(parts.resolve("part-0-1.jsonl"), "{\"n\":2}\n");
        Files.writeString(parts.resolve("part-0-0.jsonl"), "{\"n\":1}\n");
        Files.writeString(parts.resolve(".part-0-2.jsonl.inprogress"), "{\"n\":4}\n");
        java.nio.file.Path output = dir.resolve("out.jsonl");

        int merged = OutputCommit.commit(path(parts), path(output), DatasetFormat.JSONL, null);

        assertThat(merged).isEqualTo(3);
        assertThat(Files.readString(output)).isEqualTo("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("parts", "out.jsonl");
        }
    }

    @Test
    void neverOverwritesAFinishedOutputAndAMissingPartsFolderMakesAnEmptyOne() throws Exception {
        java.nio.file.Path output = Files.writeString(dir.resolve("out.jsonl"), "finished\n");
        assertThatThrownBy(() -> OutputCommit.commit(path(dir.resolve("parts")), path(output), DatasetFormat.JSONL, null))
                .isInstanceOf(IOException.class).hasMessageContaining("already exists");
        assertThat(Files.readString(output)).isEqualTo("finished\n");

        java.nio.file.Path empty = dir.resolve("empty.jsonl");
        assertThat(OutputCommit.commit(path(dir.resolve("nowhere")), path(empty), DatasetFormat.JSONL, null)).isZero();
        assertThat(Files.readString(empty)).isEmpty();
    }

    @Test
    void mergesParquetPartsIntoOneFileWithEveryRow() throws Exception {
        java.nio.file.Path parts = Files.createDirectories(dir.resolve("parts"));
        writeParquet(parts.resolve("part-0-0.parquet"), "{\"q\":\"a\",\"generated_text\":\"x\"}", "{\"q\":\"b\",\"generated_text\":\"y\"}");
        writeParquet(parts.resolve("part-1-0.parquet"), "{\"q\":\"c\",\"generated_text\":null}");
        java.nio.file.Path output = dir.resolve("out.parquet");

        assertThat(OutputCommit.commit(path(parts), path(output), DatasetFormat.PARQUET, SCHEMA)).isEqualTo(2);

        assertThat(ParquetRowReader.rowCount(path(output))).isEqualTo(3);
        assertThat(ParquetRowReader.schema(path(output))).isEqualTo(SCHEMA);
        List<ObjectNode> rows = new ArrayList<>();
        try (ParquetRowReader reader = ParquetRowReader.open(FileSystem.getLocalFileSystem(), path(output))) {
            for (SourceRow row; (row = reader.next("out.parquet", rows.size())) != null; ) {
                rows.add(row.values());
            }
        }
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).path("q").asText()).isEqualTo("a");
        assertThat(rows.get(0).path("generated_text").asText()).isEqualTo("x");
        assertThat(rows.get(2).path("q").asText()).isEqualTo("c");
    }

    private static void writeParquet(java.nio.file.Path file, String... rows) throws IOException {
        FileSystem fs = FileSystem.getLocalFileSystem();
        try (FSDataOutputStream out = fs.create(path(file), FileSystem.WriteMode.NO_OVERWRITE)) {
            BulkWriter<OutputRow> writer = new ParquetRowWriter.Factory(SCHEMA).create(out);
            for (String row : rows) {
                writer.addElement(OutputRow.error((ObjectNode) JSON.readTree(row)));
            }
            writer.finish();
        }
    }

    private static Path path(java.nio.file.Path p) {
        return new Path(p.toUri());
    }
}
