package org.conceptscope.fiji.run;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.ResultsTable;

import java.nio.file.Path;
import java.util.List;

import org.conceptscope.fiji.image.Explanation;

/**
 * What one Attribution run produced: the explanation, the new image (heat-map composite or map
 * image, with the ROIs as its overlay), the ROIs, the results table, the files written (empty
 * when no save folder was given), and for an image explained tile by tile its class map
 * ({@link org.conceptscope.fiji.write.ClassMapWriter}; null otherwise). A run with {@code rois} has no
 * explanation of the whole image: its image is the regions' maps, its ROIs their outlines and its
 * table one row per ROI ({@link org.conceptscope.fiji.run.RegionExplanations}).
 */
public record AttributionResult(Explanation explanation, ImagePlus image, List<Roi> rois, ResultsTable table,
	List<Path> written, ImagePlus classMap) {

	public AttributionResult {
		rois = List.copyOf(rois);
		written = List.copyOf(written);
	}

	public AttributionResult(Explanation explanation, ImagePlus image, List<Roi> rois, ResultsTable table, List<Path> written) {
		this(explanation, image, rois, table, written, null);
	}

	/** What was explained, for the status line: slices of the image, or ROIs (explanation null: a run with {@code rois}). */
	public String summary() {
		return explanation != null ? explanation.size() + " slice(s) explained" : table.size() + " ROI(s) explained";
	}
}
