package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.process.ImageProcessor;

import java.util.List;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.RegionExplainer;
import org.conceptscope.fiji.run.AttributionMethods;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.fiji.run.RegionExplanations;
import org.conceptscope.model.Classifier;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * The outlines of explained regions on the regions' map image, as ImageJ 1.54p draws them: each on
 * its own slice (and frame) only, for a stack of slices, a stack of frames (both plain stacks, which
 * ImageJ draws by stack index) and a stack of slices and frames (a hyperstack). The IHC stain model on
 * 48x40 crops of ihc.png, one region per plane.
 */
class RegionRoiPlacementTest {

	@Test
	void eachRegionsOutlineIsDrawnOnItsOwnPlaneOnly() throws Exception {
		ImagePlus ihc = IJ.openImage(TestFiles.testImages().resolve("images/ihc.png").toString());
		try (Classifier model = Models.open(TestFiles.testImages().resolve("models/ihc-stain"))) {
			AttributionMethod saliency = AttributionMethods.create(new AttributionSettings());
			for (int[] zt : new int[][] { { 3, 1 }, { 1, 3 }, { 2, 2 } }) {
				int slices = zt[0], frames = zt[1], n = slices * frames;
				ImageStack stack = new ImageStack(48, 40);
				for (int i = 0; i < n; i++) {
					ImageProcessor ip = ihc.getProcessor().duplicate();
					ip.setRoi(60 * i, 100, 48, 40);
					stack.addSlice("p" + i, ip.crop());
				}
				ImagePlus image = new ImagePlus("planes", stack);
				image.setDimensions(1, slices, frames);
				List<RegionExplainer.Region> regions = new java.util.ArrayList<>();
				for (int i = 0; i < n; i++) regions.add(RegionExplainer.Region.rectangle("r" + i, i, 2 + 4 * i, 3, 20, 16));
				ImagePlus maps = RegionExplanations.explain(model, image, regions, RegionExplainer.Mode.WINDOW, saliency, AttributionMethod.PREDICTED,
					0.5, Progress.NONE).maps();
				assertEquals(n, maps.getOverlay().size());
				String shape = slices + " slice(s) x " + frames + " frame(s)";
				for (int i = 0; i < n; i++) {
					Roi roi = maps.getOverlay().get(i);
					int z = i % slices + 1, t = i / slices + 1;
					for (int j = 0; j < n; j++) {
						int zj = j % slices + 1, tj = j / slices + 1;
						boolean drawn = RoiPlacementTest.drawnOn(maps, roi, 1, zj, tj);
						if (j == i) assertTrue(drawn, shape + ": region " + i + " on its plane (z " + z + ", t " + t + ")");
						else assertFalse(drawn, shape + ": region " + i + " not on plane " + j);
					}
				}
			}
		}
	}
}
