package dev.tokenservices.portal.support;

import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Requests sent truly at once: each on its own thread, all held at a latch until every one is ready,
 * then released together.
 */
public final class Burst {

    private Burst() {
    }

    public static List<Response> of(List<Supplier<Response>> requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        try {
            CountDownLatch ready = new CountDownLatch(requests.size());
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Response>> answers = new ArrayList<>();
            for (Supplier<Response> request : requests) {
                answers.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return request.get();
                }));
            }
            if (!ready.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the burst's threads did not start");
            }
            go.countDown();
            List<Response> out = new ArrayList<>();
            for (Future<Response> answer : answers) {
                out.add(answer.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** How many answers say "not found" (the code page again, with the reason). */
    public static long notFound(List<Response> answers) {
        return answers.stream().filter(r -> r.statusCode() == 200 && r.asString().contains("That code is not valid")).count();
    }

    public static long tooMany(List<Response> answers) {
        return answers.stream().filter(r -> r.statusCode() == 429 && r.asString().contains("Too many wrong codes")).count();
    }
}
