package org.conceptscope.fiji.commands;

import ij.gui.Roi;
import ij.measure.ResultsTable;
import ij.plugin.frame.RoiManager;

import java.util.List;

/** Shows a table and fills the ROI Manager, only when {@link ResultsDisplay#interactive()}. */
public final class ConceptDisplay {

	private ConceptDisplay() {}

	public static void showTableAndRois(ResultsTable table, String title, List<Roi> rois) {
		if (!ResultsDisplay.interactive()) return;
		table.show(title);
		if (rois.isEmpty()) return;
		RoiManager manager = RoiManager.getRoiManager();
		for (Roi roi : rois) manager.addRoi((Roi) roi.clone());
	}
}
