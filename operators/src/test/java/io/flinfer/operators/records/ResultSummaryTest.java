package io.flinfer.operators.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinfer.engine.core.FinishReason;
import org.junit.jupiter.api.Test;

/** The one reader of result lines reads back what ResultWriter writes, for both endpoints and for errors. */
class ResultSummaryTest {

    @Test
    void readsACompletionAndAChatCompletion() {
        Completion completion = new Completion(" because", FinishReason.LENGTH, 7, 3, 4);
        ResultSummary text = ResultSummary.read(ResultWriter.success("q-1", Endpoint.COMPLETION, "m", completion, 0));
        assertThat(text).isEqualTo(new ResultSummary("q-1", false, null, " because", "length", 7, 3, 4));

        ResultSummary chat = ResultSummary.read(ResultWriter.success("q-2", Endpoint.CHAT, "m",
                new Completion("Hello", FinishReason.STOP, 5, 1, 0), 0));
        assertThat(chat.text()).isEqualTo("Hello");
        assertThat(chat.finishReason()).isEqualTo("stop");
        assertThat(chat.failed()).isFalse();
    }

    @Test
    void readsAnErrorWithItsMessageAndNoCounts() {
        ResultSummary error = ResultSummary.read(ResultWriter.badRequest("q-3", "prompt too long"));
        assertThat(error).isEqualTo(new ResultSummary("q-3", true, "prompt too long", "", "", 0, 0, 0));
        String notFound = ResultWriter.error("q-4", RequestError.MODEL_NOT_FOUND, "no model x");
        assertThat(ResultSummary.read(notFound).errorMessage()).isEqualTo("no model x");
    }

    @Test
    void aResultsOwnSummaryIsWhatTheReaderReadsFromItsLine() {
        ResultLine completion = ResultLine.success("q-5", Endpoint.COMPLETION, "m",
                new Completion(" because", FinishReason.LENGTH, 7, 3, 4), 0);
        ResultLine chat = ResultLine.success("q-6", Endpoint.CHAT, "m", new Completion("Hi", FinishReason.STOP, 5, 1, 0), 0);
        ResultLine error = ResultLine.error("q-7", RequestError.MODEL_NOT_FOUND, "no model x");
        for (ResultLine line : java.util.List.of(completion, chat, error)) {
            assertThat(line.summary()).isEqualTo(ResultSummary.read(line.json()));
        }
    }

    @Test
    void aStatusOtherThan200IsAFailureEvenWithoutAnErrorField() {
        String line = "{\"custom_id\":\"q\",\"response\":{\"status_code\":500,\"body\":{}}}";
        assertThat(ResultSummary.read(line)).isEqualTo(new ResultSummary("q", true, line, "", "", 0, 0, 0));
        assertThatThrownBy(() -> ResultSummary.read("{not json")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not JSON");
    }
}
