package org.conceptscope.fiji.display;

import org.conceptscope.fiji.run.AttributionResult;
import org.conceptscope.fiji.run.HeadExplanationRun;
import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.Roi;
import ij.macro.Interpreter;
import ij.measure.ResultsTable;
import ij.plugin.filter.Analyzer;
import ij.plugin.frame.RoiManager;

import java.awt.GraphicsEnvironment;
import java.util.List;

import org.conceptscope.fiji.image.OwnRois;
import org.conceptscope.fiji.image.RoiPositions;

/**
 * Puts results where a Fiji user, or a macro, looks for them: the tables by their titles (see
 * {@link #showTable}), the ROIs in the ROI Manager. The ROI Manager only with a display and outside
 * batch-mode macros: it is a Frame (it cannot exist headless), and a batch over a folder must not
 * fill it with every image's ROIs; there the ROIs are in the new image's overlay and the files.
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
	 * Shows a command's table by its title, where a macro's Table.size, Table.get, Table.getColumn and
	 * getResult(column, row, title) find it. With a display that is a table window, in batch mode too: ImageJ
	 * 1.x keeps a titled table only in its window (a batch-mode macro's own Table.create opens one), so a table
	 * left unshown is out of a macro's reach; a macro looping over images reads it, then close(title). The
	 * user's "Results" table is left alone.
	 * <p>
	 * Headless, ImageJ 1.x can hold no titled table (its window cannot exist, and ResultsTable.show does nothing),
	 * and the only table a macro can read is "Results". So, headless and in a macro, the command's main table
	 * ({@code results}) replaces the Results table's contents, as Find Maxima's list output does: nResults,
	 * getResult(column, row) and Table.get(column, row, "Results") read it. Headless outside a macro (a script
	 * calling the API) Results is left alone.
	 *
	 * @param results whether this is the command's table that becomes "Results" headless (one per command)
	 */
	public static void showTable(ResultsTable table, String title, boolean results) {
		if (!GraphicsEnvironment.isHeadless()) table.show(title);
		else if (results && IJ.isMacro()) Analyzer.setResultsTable((ResultsTable) table.clone());
	}

	/**
	 * Shows the table ({@link #showTable}) and fills the ROI Manager, when {@link #interactive()}. A regions run (no
	 * explanation) leaves the manager alone: its outlines are the ROIs it explained (rois=manager: the manager's own),
	 * on the regions image's overlay; added again, the next run would explain each region twice.
	 */
	public static void showTableAndRois(AttributionResult result) {
		showTable(result.table(), result.image().getTitle() + "-results", true);
		if (interactive() && result.explanation() != null) addToRoiManager(result.rois(), result.image());
	}

	/** Shows an Explain with Head run's table ({@link #showTable}) and fills the ROI Manager, when {@link #interactive()}. */
	public static void showTableAndRois(HeadExplanationRun.Result result) {
		showTable(result.table(), result.image().getTitle() + "-results", true);
		if (interactive()) addToRoiManager(result.rois(), result.image());
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
