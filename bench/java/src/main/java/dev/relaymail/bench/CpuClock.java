package dev.relaymail.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time a timed window took: this process's (every thread: senders, compilers, collector) and the whole
 * machine's, from {@code /proc/stat}, so that what is left over is, on a quiet machine, the relay's.
 */
final class CpuClock {
    /** {@code /proc/stat} counts in USER_HZ, which Linux fixes at 100 a second for user space. */
    private static final double TICKS_PER_SECOND = 100;

    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final long processNanos = OS.getProcessCpuTime();
    private final double machineSeconds = machineSeconds();

    /** The JSON fields {@code cpu_seconds} and {@code machine_cpu_seconds} for the time since this clock started. */
    String json() {
        return String.format(
                "\"cpu_seconds\": %.3f, \"machine_cpu_seconds\": %.3f",
                (OS.getProcessCpuTime() - processNanos) / 1e9, machineSeconds() - machineSeconds);
    }

    /** Busy time of all cores: every field of the {@code cpu} line but idle and iowait. */
    private static double machineSeconds() {
        try {
            String[] fields =
                    Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < Math.min(fields.length, 9); i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(fields[i]);
                }
            }
            return busy / TICKS_PER_SECOND;
        } catch (IOException e) {
            throw new IllegalStateException("reading /proc/stat", e);
        }
    }
}
