package dev.relaymail.bench;

/** Prints the benchmark message as the function's send request (the body of the cold-start event). */
public final class BenchRequest {
    private BenchRequest() {}

    public static void main(String[] args) throws Exception {
        System.out.println(BenchMessage.load().request());
    }
}
