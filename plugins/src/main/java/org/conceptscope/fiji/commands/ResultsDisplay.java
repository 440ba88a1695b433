package org.conceptscope.fiji.commands;

import ij.gui.Roi;
import ij.macro.Interpreter;
import ij.plugin.frame.RoiManager;

import java.awt.GraphicsEnvironment;

/**
 * Puts results where a Fiji user looks for them: the results table in a window and the ROIs in
 * the ROI Manager. Only with a display and outside batch-mode macros: the ROI Manager is a
 * Frame (it cannot exist headless), and a batch over a folder must not open a window per image.
 * Headless, the same results are in the files, and the ROIs in the new image's overlay.
 */
public final class ResultsDisplay {

	private ResultsDisplay() {}

	/** True when windows can and should be opened. */
	public static boolean interactive() {
		return !GraphicsEnvironment.isHeadless() && !Interpreter.isBatchMode();
	}

	/** Shows the table and fills the ROI Manager, when {@link #interactive()}. */
	public static void showTableAndRois(AttributionResult result) {
		if (!interactive()) return;
		result.table().show(result.image().getTitle() + "-results");
		RoiManager manager = RoiManager.getRoiManager();
		for (Roi roi : result.rois()) manager.addRoi((Roi) roi.clone());
	}
}
