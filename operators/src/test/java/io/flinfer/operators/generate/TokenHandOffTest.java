package io.flinfer.operators.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.operators.records.Endpoint;
import io.flinfer.operators.records.PreparedRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's tokens reach the task in one letter per batch, each request's in the order generated. */
class TokenHandOffTest {
    private final List<Runnable> mailbox = new ArrayList<>();
    private final TokenHandOff handOff = new TokenHandOff(mailbox::add);

    @Test
    void aStepsTokensForEveryRequestTakeOneLetter() {
        InFlightRequest a = inFlight("a");
        InFlightRequest b = inFlight("b");
        handOff.add(a, new int[] {1});
        handOff.add(b, new int[] {7});
        handOff.add(a, new int[] {2, 3});
        assertThat(mailbox).as("one letter for the batch").hasSize(1);
        assertThat(a.generated()).as("nothing appended before the task runs the letter").isEmpty();

        runMailbox();
        assertThat(a.generated()).containsExactly(1, 2, 3);
        assertThat(b.generated()).containsExactly(7);

        handOff.add(b, new int[] {8});
        assertThat(mailbox).as("tokens after the letter ran need a letter of their own").hasSize(1);
        runMailbox();
        assertThat(b.generated()).containsExactly(7, 8);
    }

    private void runMailbox() {
        List<Runnable> letters = new ArrayList<>(mailbox);
        mailbox.clear();
        letters.forEach(Runnable::run);
    }

    private static InFlightRequest inFlight(String customId) {
        PreparedRequest request = new PreparedRequest(customId, Endpoint.COMPLETION, "m", new int[] {1, 2},
                SamplingParams.builder().temperature(0).maxTokens(4).seed(1L).build(), null, "id:" + customId, null);
        return new InFlightRequest(request, new int[0], "tokenizer");
    }
}
