package dev.fdcapture.bench;

/** The application of the agent's startup row: a hello world, run with and without the agent. */
public final class HelloWorld {
    private HelloWorld() {
    }

    public static void main(String[] args) {
        System.out.println("hello");
    }
}
