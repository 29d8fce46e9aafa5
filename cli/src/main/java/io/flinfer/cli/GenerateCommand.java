package io.flinfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.Llm;
import io.flinfer.engine.RequestOutput;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.tokenizer.ChatMessage;
import io.flinfer.engine.tokenizer.Tokenizer;
import io.flinfer.jobs.EngineOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Offline generation: completes prompts with the engine and prints them. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Complete prompts with a model and print the results.")
public final class GenerateCommand implements Callable<Integer> {
    @Mixin EngineOptions engine;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt; repeat for several.")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--prompts-file", paramLabel = "FILE", description = "A file with one prompt per line (empty lines skipped).")
    Path promptsFile;

    @Option(names = "--chat", description = "Wrap each prompt as a user message and apply the model's chat template.")
    boolean chat;

    @Option(names = "--max-tokens", defaultValue = "128", description = "Most tokens to generate per prompt. Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    @Option(names = "--min-tokens", defaultValue = "0", description = "Fewest tokens before EOS or a stop may end the output. Default: ${DEFAULT-VALUE}.")
    int minTokens;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Sampling temperature; 0 is greedy. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling: keep the smallest set of tokens with this much probability. Default: ${DEFAULT-VALUE}.")
    double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep only the K most likely tokens; 0 keeps all. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--min-p", defaultValue = "0.0", description = "Drop tokens less likely than this fraction of the most likely one. Default: ${DEFAULT-VALUE}.")
    double minP;

    @Option(names = "--seed", description = "Random seed, for repeatable sampling. Default: none (random).")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when this text appears (not included in the output); repeat for several.")
    List<String> stop = new ArrayList<>();

    @Option(names = "--stop-token-id", paramLabel = "ID", description = "Stop when this token is generated; repeat for several.")
    List<Integer> stopTokenIds = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Keep generating past the end-of-sequence token.")
    boolean ignoreEos;

    @Option(names = "--presence-penalty", defaultValue = "0", description = "OpenAI presence penalty, -2 to 2. Default: ${DEFAULT-VALUE}.")
    double presencePenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", description = "OpenAI frequency penalty, -2 to 2. Default: ${DEFAULT-VALUE}.")
    double frequencyPenalty;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "Repetition penalty (1 = none). Default: ${DEFAULT-VALUE}.")
    double repetitionPenalty;

    @Option(names = "--json", description = "Print one JSON object per prompt instead of text.")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        List<String> all = new ArrayList<>(prompts);
        if (promptsFile != null) {
            Files.readAllLines(promptsFile).stream().filter(l -> !l.isBlank()).forEach(all::add);
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no prompt given: use --prompt TEXT or --prompts-file FILE");
        }
        SamplingParams params = SamplingParams.builder().maxTokens(maxTokens).minTokens(minTokens)
                .temperature(temperature).topP(topP).topK(topK).minP(minP).seed(seed).stop(stop)
                .stopTokenIds(stopTokenIds).ignoreEos(ignoreEos).presencePenalty(presencePenalty)
                .frequencyPenalty(frequencyPenalty).repetitionPenalty(repetitionPenalty).build();
        PrintWriter out = spec.commandLine().getOut();
        int failures = 0;
        try (Llm llm = Llm.load(engine.toSingleModelConfig("flinfer generate"))) {
            Tokenizer tokenizer = llm.engine().tokenizer();
            List<int[]> ids = all.stream().map(p -> encode(tokenizer, p)).toList();
            List<RequestOutput> outputs = llm.generateIds(ids, params);
            ObjectMapper mapper = new ObjectMapper();
            for (int i = 0; i < all.size(); i++) {
                RequestOutput o = outputs.get(i);
                if (o.error() != null) {
                    spec.commandLine().getErr().println("error: prompt " + (i + 1) + ": " + o.error());
                    failures++;
                } else if (json) {
                    out.println(mapper.writeValueAsString(toJson(mapper, all.get(i), ids.get(i), o)));
                } else {
                    out.println(all.get(i) + o.text());
                    out.println();
                }
            }
        }
        out.flush();
        return failures == 0 ? 0 : 1;
    }

    private int[] encode(Tokenizer tokenizer, String prompt) {
        if (!chat) {
            return tokenizer.encode(prompt);
        }
        String rendered = tokenizer.applyChatTemplate(List.of(new ChatMessage("user", prompt)), true);
        return tokenizer.encodeWithoutSpecialTokens(rendered);
    }

    private static ObjectNode toJson(ObjectMapper mapper, String prompt, int[] promptIds, RequestOutput o) {
        ObjectNode node = mapper.createObjectNode();
        node.put("prompt", prompt).put("text", o.text());
        Arrays.stream(o.outputTokenIds()).forEach(node.putArray("token_ids")::add);
        Arrays.stream(promptIds).forEach(node.putArray("prompt_token_ids")::add);
        node.put("finish_reason", o.finishReason().openAiName());
        node.putObject("usage").put("prompt_tokens", promptIds.length).put("completion_tokens", o.outputTokenIds().length);
        return node;
    }
}
