package org.conceptscope.fiji.display;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.ResultsTable;

import java.util.List;

/** Shows a table by its title ({@link ResultsDisplay#showTable}) and fills the ROI Manager, only when {@link ResultsDisplay#interactive()}. */
public final class ConceptDisplay {

	private ConceptDisplay() {}

	/** @param placedOn the image the ROIs are positioned for (their new image) */
	public static void showTableAndRois(ResultsTable table, String title, List<Roi> rois, ImagePlus placedOn) {
		ResultsDisplay.showTable(table, title, true);
		if (ResultsDisplay.interactive()) ResultsDisplay.addToRoiManager(rois, placedOn);
	}
}
