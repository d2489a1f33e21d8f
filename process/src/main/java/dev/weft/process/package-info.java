/**
 * Child processes owned by a scope, pipelines, tee, pipes and named FIFOs, in plain blocking style.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open("worker")) {
 *     ChildProcess child = Command.of("sh", "-c", "echo hello; echo oops >&2; exit 3").start(scope);
 *     for (String line : child.stdoutLines()) {
 *         System.out.println(line);                      // hello
 *     }
 *     ExitStatus status = child.await();                 // Exited[code=3]
 * }   // a child still running here would be terminated with its whole process tree: TERM, grace, KILL
 *
 * Command.of("make").capture(Duration.ofMinutes(5));     // ProcessFailedException with the stderr tail if it fails
 * }</pre>
 *
 * <ul>
 *   <li>{@link dev.weft.process.Command} — argv, directory, environment, redirects; {@code start}, {@code run},
 *       {@code capture}.</li>
 *   <li>{@link dev.weft.process.ChildProcess} — a running child: output as {@link dev.weft.process.ByteSource}
 *       (lines or bytes), stdin as a {@link dev.weft.process.ByteSink}, exit as a channel and a wait; the process
 *       tree is terminated when its scope ends.</li>
 *   <li>{@link dev.weft.process.Pipeline} — {@code a | b | c} with the status of every stage.</li>
 *   <li>{@link dev.weft.process.Tee} — one stream copied to several consumers, with back-pressure.</li>
 *   <li>{@link dev.weft.process.Fifo} and {@link dev.weft.process.PipePair} — named FIFOs ({@code mkfifo(3)}
 *       through FFM) and anonymous pipes, as byte streams and as {@code dev.weft.net} connections for messages.</li>
 * </ul>
 *
 * <p>Blocking reads and writes of pipes and FIFOs run on dedicated platform threads, never on virtual-thread
 * carriers; see {@link dev.weft.process.ByteSource}. Linux only (signals, {@code /proc}, FIFO flags).
 */
@NullMarked
package dev.weft.process;

import org.jspecify.annotations.NullMarked;
