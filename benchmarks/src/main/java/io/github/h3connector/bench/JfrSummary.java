package io.github.h3connector.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/** Top frames of a JFR recording: where the execution (and native-method) samples land. */
final class JfrSummary
{
    private JfrSummary()
    {
    }

    static String markdown(Path recording, int top) throws IOException
    {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int java = 0;
        int nativeSamples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording))
        {
            String type = event.getEventType().getName();
            boolean isNative = type.equals("jdk.NativeMethodSample");
            if (!isNative && !type.equals("jdk.ExecutionSample"))
                continue;
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty())
                continue;
            if (isNative)
                nativeSamples++;
            else
                java++;
            List<RecordedFrame> frames = stack.getFrames();
            self.merge((isNative ? "[native] " : "") + name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : frames)
            {
                String n = name(frame);
                if (seen.add(n))
                    inclusive.merge(n, 1, Integer::sum);
            }
            Object thread = event.getValue(isNative ? "sampledThread" : "sampledThread");
            String threadName = thread instanceof jdk.jfr.consumer.RecordedThread t ? t.getJavaName() : String.valueOf(thread);
            threads.merge(threadName == null ? "?" : threadName.replaceAll("-?\\d+$", "-N"), 1, Integer::sum);
        }
        int total = java + nativeSamples;
        StringBuilder out = new StringBuilder();
        out.append(total).append(" samples (").append(java).append(" jdk.ExecutionSample, ").append(nativeSamples)
            .append(" jdk.NativeMethodSample: threads blocked or running in native code, including calls into Netty's native quiche, epoll and socket calls).\n\n");
        out.append("| top frame (self) | share |\n|---|---|\n");
        table(out, self, total, top);
        out.append("\n| method on the stack (inclusive), Jetty/h3connector/JDK I/O | share |\n|---|---|\n");
        Map<String, Integer> interesting = inclusive.entrySet().stream()
            .filter(e -> !e.getKey().startsWith("java.lang.Thread.") && !e.getKey().contains("QueuedThreadPool") &&
                !e.getKey().contains("$Runner.run") && !e.getKey().startsWith("java.util.concurrent.ThreadPoolExecutor"))
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        table(out, interesting, total, top);
        out.append("\n| thread | share |\n|---|---|\n");
        table(out, threads, total, 8);
        return out.toString();
    }

    private static void table(StringBuilder out, Map<String, Integer> counts, int total, int top)
    {
        Map<String, Integer> sorted = counts.entrySet().stream()
            .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
            .limit(top)
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
        sorted.forEach((name, count) -> out.append("| `").append(name).append("` | ")
            .append(String.format("%.1f%%", 100.0 * count / Math.max(1, total))).append(" |\n"));
    }

    private static String name(RecordedFrame frame)
    {
        if (frame.getMethod() == null)
            return "?";
        String type = frame.getMethod().getType().getName();
        return type + "." + frame.getMethod().getName();
    }
}
