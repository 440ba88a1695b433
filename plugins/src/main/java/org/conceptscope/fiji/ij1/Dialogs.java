package org.conceptscope.fiji.ij1;

import ij.WindowManager;
import ij.gui.GenericDialog;

import org.conceptscope.fiji.commands.AttributionRun;

/** What every ImageJ 1.x dialog of ConceptScope checks. */
final class Dialogs {

	private Dialogs() {}

	/**
	 * After the last {@code getNextNumber()}: a number field holding text (GenericDialog reads it as
	 * NaN) is an error, not a value silently used.
	 */
	static void checkNumbers(GenericDialog gd) {
		if (gd.invalidNumber()) {
			throw new IllegalArgumentException("A number field of the dialog holds no number (" + gd.getErrorMessage()
				+ "): type a number there.");
		}
	}

	/** Commands that work on the current image say so before their dialog asks for anything. */
	static void checkImageOpen() {
		AttributionRun.checkImage(WindowManager.getCurrentImage());
	}
}
