package org.conceptscope.fiji;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** What code printed on stdout, where ImageJ's Log and error messages go when headless. */
public final class Printed {

	private Printed() {}

	/** Runs the code with stdout captured, then echoes what it printed (so it is still in the test log) and returns it. */
	public static String during(Runnable run) {
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		PrintStream stdout = System.out;
		System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
		try {
			run.run();
		} finally {
			System.setOut(stdout);
		}
		String text = captured.toString(StandardCharsets.UTF_8);
		stdout.print(text);
		return text;
	}
}
