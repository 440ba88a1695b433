package org.conceptscope.fiji.commands;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.ResultsTable;

import java.nio.file.Path;
import java.util.List;

import org.conceptscope.fiji.Explanation;

/**
 * What one Attribution run produced: the explanation, the new image (heat-map composite or map
 * image, with the ROIs as its overlay), the ROIs, the results table and the files written
 * (empty when no save_dir was given).
 */
public record AttributionResult(Explanation explanation, ImagePlus image, List<Roi> rois, ResultsTable table,
	List<Path> written) {

	public AttributionResult {
		rois = List.copyOf(rois);
		written = List.copyOf(written);
	}
}
