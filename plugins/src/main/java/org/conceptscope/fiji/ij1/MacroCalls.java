package org.conceptscope.fiji.ij1;

import ij.IJ;

import org.conceptscope.fiji.run.Failures;

/**
 * What a macro can {@code call()} beside {@code run()}. ImageJ's macro language has no
 * try/catch: a failing command aborts the macro, which is right for one image but stops a
 * folder run at its first bad file. {@code tryRun} runs a ConceptScope command and hands its
 * failure back as a sentence instead, so the macro can note the file as skipped and go on:
 * <pre>
 * why = call("org.conceptscope.fiji.ij1.MacroCalls.tryRun", "Attribution...", options);
 * if (why != "") print("skipped " + name + ": " + why);
 * </pre>
 */
public final class MacroCalls {

	private MacroCalls() {}

	/** Runs the command with the options; "" when it ran, else the sentence saying why it did not. */
	public static String tryRun(String command, String options) {
		return Failures.catching(() -> IJ.run(command, options));
	}
}
