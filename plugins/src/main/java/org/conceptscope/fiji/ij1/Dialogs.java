package org.conceptscope.fiji.ij1;

import ij.gui.GenericDialog;


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
}
