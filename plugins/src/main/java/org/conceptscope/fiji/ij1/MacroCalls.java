package org.conceptscope.fiji.ij1;

import ij.IJ;

import java.util.List;

import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.param.MacroOptions;
import org.conceptscope.fiji.run.Failures;

/**
 * What a macro can {@code call()} beside {@code run()}. ImageJ's macro language has no
 * try/catch: a failing command aborts the macro, which is right for one image but stops a
 * folder run at its first bad file. {@code tryRun} runs a ConceptScope command and hands its
 * failure back as a sentence instead (not logged: the macro says it, with the file it is about), so the
 * macro can note the file as skipped and go on:
 * <pre>
 * why = call("org.conceptscope.fiji.ij1.MacroCalls.tryRun", "Attribution...", options);
 * if (why != "") print("skipped " + name + ": " + why);
 * </pre>
 */
public final class MacroCalls {

	private MacroCalls() {}

	/**
	 * Checks a macro's argument against the keys it reads: {@code Macro.getValue} passes a misspelt
	 * key over and the macro runs on the default. A key it does not know (or one given twice) is
	 * reported as a command's failure is (on the console with a failure status under -batch, else
	 * ImageJ's error) and the macro ends; "" when every key is known.
	 *
	 * @param keys the keys the macro reads, separated by spaces
	 */
	public static String checkArguments(String macro, String arguments, String keys) {
		try {
			MacroOptions.parse(arguments == null ? "" : arguments, macro, List.of(keys.trim().split("\\s+")));
			return "";
		} catch (IllegalArgumentException e) {
			Failures.reportToMacro(macro, e.getMessage());
			return e.getMessage();
		}
	}

	/** Runs the command with the options; "" when it ran, else the sentence saying why it did not. */
	public static String tryRun(String command, String options) {
		return Failures.catching(() -> IJ.run(command, options));
	}

	/**
	 * "true" when ConceptScope reads the file as an image ({@link ImageSet#isImageFile}: the endings of
	 * {@link ImageSet#EXTENSIONS}, as the batch runner and the folder keys take them), else "false":
	 * how batch_folder.ijm picks its files without a list of its own.
	 */
	public static String isImageFile(String path) {
		return path != null && !path.isBlank() && ImageSet.isImageFile(java.nio.file.Path.of(path)) ? "true" : "false";
	}
}
