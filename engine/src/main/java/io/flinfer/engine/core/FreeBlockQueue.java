package io.flinfer.engine.core;

/**
 * The free blocks as a doubly linked list that is also the eviction order: blocks are taken from
 * the front, freed blocks join at the back, and a cached block that gets a hit leaves from the
 * middle in O(1). The least recently freed cached block is therefore the first evicted.
 */
final class FreeBlockQueue {
    private final KvBlock head = new KvBlock(-1);
    private final KvBlock tail = new KvBlock(-1);
    private int size;

    FreeBlockQueue() {
        head.next = tail;
        tail.prev = head;
    }

    int size() {
        return size;
    }

    KvBlock popFront() {
        if (size == 0) {
            throw new IllegalStateException("no free KV blocks");
        }
        KvBlock block = head.next;
        remove(block);
        return block;
    }

    void append(KvBlock block) {
        block.prev = tail.prev;
        block.next = tail;
        tail.prev.next = block;
        tail.prev = block;
        size++;
    }

    void remove(KvBlock block) {
        block.prev.next = block.next;
        block.next.prev = block.prev;
        block.prev = null;
        block.next = null;
        size--;
    }
}
