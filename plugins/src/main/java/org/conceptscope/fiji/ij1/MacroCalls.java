package org.conceptscope.fiji.ij1;

import ij.IJ;
import ij.ImagePlus;
import ij.macro.Interpreter;

import java.io.File;
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
	 * Checks a shipped macro's argument against the keys it reads ({@code Macro.getValue} passes a misspelt
	 * key over and the macro runs on the default): a key it does not know, or one given twice, is
	 * {@linkplain #refuse refused}; so is a required key left out when nobody answers a dialog (arguments were
	 * given, or the macro runs in batch mode, as under -batch), which without it waited on a file dialog.
	 * "" when the macro may go on, else the sentence (the macro then ends with {@code exit;}):
	 * <pre>
	 * if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "tcav.ijm", args, keys, required) != "") exit;
	 * </pre>
	 *
	 * @param keys the keys the macro reads, separated by spaces
	 * @param required the keys it cannot run without, separated by spaces
	 */
	public static String checkArguments(String macro, String arguments, String keys, String required) {
		String given = arguments == null ? "" : arguments.trim();
		String why = "";
		try {
			MacroOptions options = MacroOptions.parse(given, macro, List.of(keys.trim().split("\\s+")));
			if (!given.isEmpty() || Interpreter.isBatchMode()) {
				List<String> needed = List.of(required.trim().split("\\s+")).stream().filter(k -> !k.isEmpty()).toList();
				if (needed.stream().anyMatch(k -> options.text(k, "").isBlank())) {
					why = macro + " needs " + String.join(" ", needed.stream().map(k -> k + "=[...]").toList()) + "; got "
						+ (given.isEmpty() ? "no argument" : given) + ".";
				}
			}
		} catch (IllegalArgumentException e) {
			why = e.getMessage();
		}
		return why.isEmpty() ? "" : refuse(macro, why);
	}

	/** {@link #checkArguments(String, String, String, String)} for a macro that requires no key. */
	public static String checkArguments(String macro, String arguments, String keys) {
		return checkArguments(macro, arguments, keys, "");
	}

	/**
	 * Opens the image a shipped macro reads itself and makes it the active one, or {@linkplain #refuse refuses} a
	 * path that is missing or that ImageJ reads as no image, before any work: under -batch the macro's open() of a
	 * missing file only logged "File not found", of a file ImageJ cannot read opened nothing (or a text window), and
	 * the command then said "No image is open". "" when it is open, else the sentence (the macro then ends).
	 */
	public static String openImage(String macro, String key, String path) {
		if (path == null || path.isBlank() || !new File(path).exists()) {
			return refuse(macro, macro + ": " + key + "=[" + path + "] does not exist: give the path of an image file.");
		}
		IJ.redirectErrorMessages(); // a file ImageJ cannot read is logged, not a dialog
		ImagePlus image = IJ.openImage(path);
		if (image == null) {
			return refuse(macro, macro + ": ImageJ could not open " + key + "=[" + path + "] as an image: give a TIFF, PNG, JPEG or DICOM file.");
		}
		image.show(); // in batch mode: the macro's active image, as its open() makes it
		return "";
	}

	/**
	 * A shipped macro's refusal (a bad key, a missing required one, an image it cannot open), said once, as a
	 * command's failure is: with no ImageJ window under -batch on the console, ending the run with status 1; else
	 * ImageJ's message (the Log in batch mode). Returns the sentence; the macro ends itself ({@code exit;}), as
	 * Java cannot end it from within call(). A macro that another one runs (runMacro, as a driver running
	 * several) ends, and its caller goes on: under -batch the run still ends with status 1 when the caller is done.
	 *
	 * @param sentence one sentence that names the macro (a sentence without its name gets it first)
	 */
	public static String refuse(String macro, String sentence) {
		String line = sentence.startsWith(macro) ? sentence : macro + ": " + sentence;
		if (Failures.commandLineBatch()) {
			Failures.failBatch(line, !runByAnotherMacro());
		} else if (Interpreter.isBatchMode() && IJ.getInstance() != null) {
			IJ.log(line);
		} else {
			IJ.showMessage(macro, line); // printed when there is no ImageJ window (Fiji --headless)
		}
		return line;
	}

	/**
	 * Whether the running macro was started by another macro (runMacro, eval): ImageJ 1.x runs every macro's
	 * program through {@code Interpreter.run(Program)}, nested on the caller's thread.
	 */
	static boolean runByAnotherMacro() {
		return StackWalker.getInstance().walk(frames -> frames.filter(f -> f.getClassName().equals(Interpreter.class.getName())
			&& f.getMethodName().equals("run") && f.getDescriptor().equals("(Lij/macro/Program;)V")).count()) > 1;
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
