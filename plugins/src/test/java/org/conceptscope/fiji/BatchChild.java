package org.conceptscope.fiji;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A batch run in a child JVM, for the tests that stop one: {@code BatchChild <halt after N parts,
 * 0: never> <pause after M parts, 0: never> <Batch arguments...>}. Prints "part-done k" on stdout
 * after part k is committed, so the test can kill the JVM at a moment it knows; with N > 0 it halts
 * itself right after the N-th part (Runtime.halt: no shutdown hooks, no finally blocks, like
 * kill -9); with M > 0 it prints "paused" after the M-th part and waits for a line on stdin, the run
 * (and its lock on save_dir) held meanwhile.
 */
public final class BatchChild {

	/** Exit status of a halted run. */
	static final int HALTED = 99;

	private BatchChild() {}

	public static void main(String[] args) {
		int haltAfter = Integer.parseInt(args[0]), pauseAfter = Integer.parseInt(args[1]);
		int[] count = { 0 };
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		int status = Batch.run(Arrays.copyOfRange(args, 2, args.length), System.out, System.err, new BatchJob.Events() {
			@Override
			public void partDone(int part, int done, int parts) {
				System.out.println("part-done " + part);
				System.out.flush();
				if (++count[0] == haltAfter) Runtime.getRuntime().halt(HALTED);
				if (count[0] == pauseAfter) {
					System.out.println("paused");
					System.out.flush();
					try {
						in.readLine();
					} catch (IOException e) {
						throw new UncheckedIOException(e);
					}
				}
			}
		});
		System.exit(status);
	}
}
