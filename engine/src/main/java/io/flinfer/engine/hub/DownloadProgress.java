package io.flinfer.engine.hub;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * Progress lines for one file: one line when it starts, and for big files one more at every tenth,
 * so a log shows a multi-gigabyte download moving without a line per buffer.
 */
final class DownloadProgress {
    static final long BIG_FILE_BYTES = 16L << 20;

    private final Consumer<String> sink;
    private final String file;
    private final long totalBytes;
    private final long bigFileBytes;
    private int lastTenthReported;

    DownloadProgress(Consumer<String> sink, String file, long totalBytes, long bigFileBytes) {
        this.sink = sink;
        this.file = file;
        this.totalBytes = totalBytes;
        this.bigFileBytes = bigFileBytes;
    }

    void started(long resumeFromBytes) {
        String size = totalBytes >= 0 ? " (" + size(totalBytes) + ")" : "";
        String resume = resumeFromBytes > 0 ? ", resuming at " + size(resumeFromBytes) : "";
        sink.accept("downloading " + file + size + resume);
        lastTenthReported = tenths(resumeFromBytes);
    }

    void advanced(long bytesSoFar) {
        if (totalBytes < bigFileBytes) {
            return;
        }
        int tenth = tenths(bytesSoFar);
        if (tenth > lastTenthReported) {
            lastTenthReported = tenth;
            sink.accept(file + ": " + tenth * 10 + "% of " + size(totalBytes));
        }
    }

    private int tenths(long bytes) {
        return totalBytes > 0 ? (int) (bytes * 10 / totalBytes) : 0;
    }

    private static String size(long bytes) {
        if (bytes < 1000) {
            return bytes + " bytes";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double value = bytes / 1000.0;
        int unit = 0;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
