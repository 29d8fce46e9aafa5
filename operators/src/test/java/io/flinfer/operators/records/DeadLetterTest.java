package io.flinfer.operators.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class DeadLetterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void smallRecordIsKeptWhole() throws Exception {
        byte[] raw = "not json at all".getBytes(StandardCharsets.UTF_8);
        JsonNode letter = JSON.readTree(DeadLetter.toJson("prompts", 3, 42L, "not JSON: Unrecognized token", raw));

        assertThat(letter.get("source_topic").asText()).isEqualTo("prompts");
        assertThat(letter.get("partition").asInt()).isEqualTo(3);
        assertThat(letter.get("offset").asLong()).isEqualTo(42L);
        assertThat(letter.get("reason").asText()).isEqualTo("not JSON: Unrecognized token");
        assertThat(letter.get("raw_size").asInt()).isEqualTo(raw.length);
        assertThat(letter.get("raw_truncated").asBoolean()).isFalse();
        assertThat(Base64.getDecoder().decode(letter.get("raw_base64").asText())).isEqualTo(raw);
        assertThat(letter.get("raw_utf8_preview").asText()).isEqualTo("not json at all");
    }

    @Test
    void tenMegabyteRecordIsTruncatedAndFlagged() throws Exception {
        byte[] raw = new byte[10 * 1024 * 1024];
        Arrays.fill(raw, (byte) 'x');
        String written = DeadLetter.toJson("prompts", 0, 7L, "too big", raw);
        JsonNode letter = JSON.readTree(written);

        assertThat(letter.get("raw_size").asInt()).isEqualTo(raw.length);
        assertThat(letter.get("raw_truncated").asBoolean()).isTrue();
        byte[] kept = Base64.getDecoder().decode(letter.get("raw_base64").asText());
        assertThat(kept).hasSize(DeadLetter.MAX_RAW_BYTES).isEqualTo(Arrays.copyOf(raw, DeadLetter.MAX_RAW_BYTES));
        assertThat(letter.get("raw_utf8_preview").asText()).hasSize(DeadLetter.PREVIEW_BYTES);
        assertThat(written.length()).isLessThan(100_000);
    }

    @Test
    void binaryBytesSurviveInBase64AndThePreviewMarksThem() throws Exception {
        byte[] raw = {(byte) 0xFF, (byte) 0xFE, 0, 'a'};
        JsonNode letter = JSON.readTree(DeadLetter.toJson("prompts", 0, 0L, "not JSON", raw));

        assertThat(Base64.getDecoder().decode(letter.get("raw_base64").asText())).isEqualTo(raw);
        assertThat(letter.get("raw_utf8_preview").asText()).isEqualTo("\ufffd\ufffd\u0000a");
    }
}
