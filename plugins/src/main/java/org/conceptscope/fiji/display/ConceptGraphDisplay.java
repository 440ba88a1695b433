package org.conceptscope.fiji.display;

import org.conceptscope.fiji.run.ConceptGraphRun;
import ij.ImagePlus;

/**
 * Shows a Concept Graph run where a Fiji user looks: with a display, the edge table, the montages and
 * concept-map images, and for a single image its ROIs in the ROI Manager; in a batch-mode macro, the edge
 * table by its title ({@link ResultsDisplay#showTable}) and, without a save folder, the montages and
 * concept-map images as the macro's images (with one, they are in the files, and a macro over many
 * folders keeps no image of each). The picture is the SciJava command's
 * output (Fiji shows it after these, so it is current); the ImageJ 1.x plugin shows it itself, last.
 */
public final class ConceptGraphDisplay {

	private ConceptGraphDisplay() {}

	public static void show(ConceptGraphRun.Result r, boolean saved) {
		if (!ResultsDisplay.interactive()) {
			if (!saved) {
				for (ImagePlus m : r.montages()) ResultsDisplay.showResult(m);
				for (ConceptGraphRun.Maps m : r.maps()) ResultsDisplay.showResult(m.image());
			}
			ResultsDisplay.showTable(r.table(), "Concept graph edges", true);
			return;
		}
		for (ImagePlus m : r.montages()) m.show();
		for (ConceptGraphRun.Maps m : r.maps()) m.image().show();
		ConceptDisplay.showTableAndRois(r.table(), "Concept graph edges", r.maps().size() == 1 ? r.maps().get(0).rois() : java.util.List.of(),
			r.maps().isEmpty() ? null : r.maps().get(0).image());
	}
}
