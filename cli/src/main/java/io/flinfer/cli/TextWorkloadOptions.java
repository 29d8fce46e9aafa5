package io.flinfer.cli;

import io.flinfer.bench.TextPrompts;
import io.flinfer.bench.TokenRange;
import io.flinfer.engine.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

/**
 * {@code --input-len}, {@code --output-len} and {@code --seed}: the text-prompt workload the pipeline
 * and batch benchmarks send through both paths they compare.
 */
final class TextWorkloadOptions {
    @Option(names = "--input-len", defaultValue = "128:256", converter = TokenRange.Converter.class,
            paramLabel = "N|MIN:MAX", description = "Prompt length in tokens, uniform in the range. Default: ${DEFAULT-VALUE}.")
    TokenRange inputLen;

    @Option(names = "--output-len", defaultValue = "32:128", converter = TokenRange.Converter.class,
            paramLabel = "N|MIN:MAX", description = "Output length in tokens (EOS ignored). Default: ${DEFAULT-VALUE}.")
    TokenRange outputLen;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random prompts. Default: ${DEFAULT-VALUE}.")
    long seed;

    TextPrompts prompts(Tokenizer tokenizer) {
        return new TextPrompts(tokenizer, seed);
    }
}
