package io.flinfer.operators.generate;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Hands the tokens the engine generates for one operator's requests to its task in one mailbox letter
 * per engine step, not one per request: a step reports a token for every running request, and a
 * letter each would wake the task and take the mailbox's lock as many times, on the engine's thread,
 * which the engine's steps then wait for. Tokens of one request reach the task in the order generated.
 */
final class TokenHandOff {
    private record Tokens(InFlightRequest request, int[] ids) {}

    private final Queue<Tokens> pending = new ConcurrentLinkedQueue<>();
    /** Whether a letter that will take the pending tokens is in the mailbox and has not started yet. */
    private final AtomicBoolean letterQueued = new AtomicBoolean();
    private final Consumer<Runnable> toTask;

    /** @param toTask puts a letter in the task's mailbox */
    TokenHandOff(Consumer<Runnable> toTask) {
        this.toTask = toTask;
    }

    /** From the engine's thread: {@code ids} were generated for {@code request}. */
    void add(InFlightRequest request, int[] ids) {
        pending.add(new Tokens(request, ids));
        if (letterQueued.compareAndSet(false, true)) {
            toTask.accept(this::appendPending);
        }
    }

    /** On the task: appends every pending token to its request. */
    private void appendPending() {
        // Cleared first: tokens added from now on either are taken below or queue another letter.
        letterQueued.set(false);
        for (Tokens t = pending.poll(); t != null; t = pending.poll()) {
            t.request.append(t.ids);
        }
    }
}
