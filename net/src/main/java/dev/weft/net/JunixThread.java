package dev.weft.net;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a blocking junixsocket loop on a dedicated, named platform thread that a weft task owns (DESIGN.md,
 * principle 8).
 *
 * <p>Why a platform thread: junixsocket's blocking calls on a virtual thread go through its own poller, which
 * starves other virtual threads once a couple of them block on idle sockets; a blocking call on a virtual thread
 * also switches the socket to non-blocking mode under any other thread using it. So every junixsocket call that can
 * block (accept, and the {@code select} of a reader) runs on a platform thread, one per socket, and hands what it
 * reads to a weft channel.
 *
 * <p>Ownership: {@link #start} starts the thread (so it exists when the socket's factory returns), and a task of
 * the socket's scope calls {@link Handle#await}, so the scope does not end before the thread does. If the task is
 * cancelled (its scope closed or cancelled), it runs {@code unblock} — which closes the socket, so the blocking
 * call returns — and then waits for the thread to end.
 */
final class JunixThread {

    private static final Logger LOG = LoggerFactory.getLogger(JunixThread.class);

    /** The loop to run; it ends when its socket is closed. */
    @FunctionalInterface
    interface Loop {
        void run() throws Exception;
    }

    private JunixThread() {
    }

    /**
     * Starts {@code loop} on a daemon platform thread named {@code threadName}. The caller then hands the returned
     * handle to a task of the socket's scope, which calls {@link Handle#await}.
     *
     * @param threadName the thread's name, for thread dumps and logs
     * @param loop the blocking loop; an exception it throws is logged at WARN (the loop is expected to report its
     *     own failures, for example by closing its channel with the cause)
     */
    static Handle start(String threadName, Loop loop) {
        CountDownLatch ended = new CountDownLatch(1);
        Thread thread = Thread.ofPlatform().name(threadName).daemon().unstarted(() -> {
            try {
                loop.run();
            } catch (Exception e) {
                LOG.warn("{} failed", threadName, e);
            } finally {
                ended.countDown();
            }
        });
        thread.start();
        return new Handle(thread, ended);
    }

    /** A started loop thread, to be awaited by the task that owns it. */
    static final class Handle {
        private final Thread thread;
        private final CountDownLatch ended;

        private Handle(Thread thread, CountDownLatch ended) {
            this.thread = thread;
            this.ended = ended;
        }

        /**
         * Waits until the thread has ended. If the waiting task is cancelled or interrupted, runs {@code unblock}
         * (which closes the socket, so the loop returns) and waits on, uninterruptibly; the interrupt flag is then
         * set again.
         *
         * @param unblock makes the loop return; must be idempotent and must not block
         */
        void await(Runnable unblock) {
            try {
                ended.await();
            } catch (InterruptedException e) {
                unblock.run();
                awaitUninterruptibly(ended);
                Thread.currentThread().interrupt();
            } finally {
                joinUninterruptibly(thread); // past countDown it has only its last instructions left
            }
        }

        /** Runs {@code unblock} and waits for the thread, for a caller that could not hand it to a task. */
        void stop(Runnable unblock) {
            unblock.run();
            awaitUninterruptibly(ended);
            joinUninterruptibly(thread);
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        for (;;) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = Thread.interrupted();
        for (;;) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
