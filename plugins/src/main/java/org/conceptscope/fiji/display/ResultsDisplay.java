package org.conceptscope.fiji.display;

import org.conceptscope.fiji.run.AttributionResult;
import org.conceptscope.fiji.run.HeadExplanationRun;
import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.Roi;
import ij.macro.Interpreter;
import ij.plugin.frame.RoiManager;

import java.awt.GraphicsEnvironment;
import java.util.List;

import org.conceptscope.fiji.image.OwnRois;
import org.conceptscope.fiji.image.RoiPositions;

/**
 * Puts results where a Fiji user looks for them: the results table in a window and the ROIs in
 * the ROI Manager. Only with a display and outside batch-mode macros: the ROI Manager is a
 * Frame (it cannot exist headless), and a batch over a folder must not open a window per image.
 * Headless, the same results are in the files, and the ROIs in the new image's overlay.
 */
public final class ResultsDisplay {

	private ResultsDisplay() {}

	/**
	 * Shows a command's result image, in batch mode too: there it opens no window but becomes the
	 * macro's current image, one it can selectImage() and save, as ImageJ's own commands' results
	 * do. Headless outside a macro there is nothing to show it on.
	 */
	public static void showResult(ImagePlus result) {
		if (!GraphicsEnvironment.isHeadless() || IJ.isMacro() || Interpreter.isBatchMode()) result.show();
	}

	/** True when windows can and should be opened. */
	public static boolean interactive() {
		return !GraphicsEnvironment.isHeadless() && !Interpreter.isBatchMode();
	}

	/**
	 * Shows the table and fills the ROI Manager, when {@link #interactive()}. A regions run (no explanation) leaves the
	 * manager alone: its outlines are the ROIs it explained (rois=manager: the manager's own), on the regions image's
	 * overlay; added again, the next run would explain each region twice.
	 */
	public static void showTableAndRois(AttributionResult result) {
		if (!interactive()) return;
		result.table().show(result.image().getTitle() + "-results");
		if (result.explanation() != null) addToRoiManager(result.rois(), result.image());
	}

	/** Shows an Explain with Head run's table and fills the ROI Manager, when {@link #interactive()}. */
	public static void showTableAndRois(HeadExplanationRun.Result result) {
		if (!interactive()) return;
		result.table().show(result.image().getTitle() + "-results");
		addToRoiManager(result.rois(), result.image());
	}

	/**
	 * Copies of ROIs positioned for {@code placedOn} go to the ROI Manager, positioned for the image
	 * that is current now (the ROI Manager shows them on that one): the explained image while a
	 * SciJava command runs (Fiji shows its output afterwards), the new image once it is shown.
	 * Each is marked as ConceptScope's own ({@link OwnRois}): a later {@code rois=manager} run leaves it out.
	 */
	public static void addToRoiManager(List<Roi> rois, ImagePlus placedOn) {
		if (rois.isEmpty()) return;
		RoiManager manager = RoiManager.getRoiManager();
		ImagePlus current = WindowManager.getCurrentImage();
		for (Roi roi : RoiPositions.copies(rois, placedOn, current == null ? placedOn : current)) manager.addRoi(OwnRois.mark(roi));
	}
}
