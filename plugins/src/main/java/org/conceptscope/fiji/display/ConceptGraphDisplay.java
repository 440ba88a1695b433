package org.conceptscope.fiji.display;

import org.conceptscope.fiji.run.ConceptGraphRun;
import ij.ImagePlus;

/**
 * Shows a Concept Graph run where a Fiji user looks (only with a display, outside batch mode):
 * the edge table, the montages and concept-map images, and for a single image its ROIs in the
 * ROI Manager. The picture is the SciJava command's output (Fiji shows it); the ImageJ 1.x plugin
 * shows it itself.
 */
public final class ConceptGraphDisplay {

	private ConceptGraphDisplay() {}

	public static void show(ConceptGraphRun.Result r) {
		if (!ResultsDisplay.interactive()) return;
		for (ImagePlus m : r.montages()) m.show();
		for (ConceptGraphRun.Maps m : r.maps()) m.image().show();
		ConceptDisplay.showTableAndRois(r.table(), "Concept graph edges", r.maps().size() == 1 ? r.maps().get(0).rois() : java.util.List.of(),
			r.maps().isEmpty() ? null : r.maps().get(0).image());
	}
}
