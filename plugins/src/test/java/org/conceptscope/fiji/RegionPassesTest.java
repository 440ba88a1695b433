package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.MaskedImage;
import org.conceptscope.attribution.Occlusion;
import org.conceptscope.attribution.RegionExplainer;
import org.conceptscope.attribution.Rise;
import org.conceptscope.fiji.image.RegionTargets;
import org.conceptscope.fiji.run.AttributionRun;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.fiji.run.RegionExplanations;
import org.conceptscope.model.CountingClassifier;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.OvalRoi;
import ij.gui.Roi;

/**
 * The passes line of a {@code rois=} run (each ROI explained alone on the model-size tiles that hold it) says the passes the
 * model then really scores: a counting wrapper around the real IHC model counts every image the method scores, for ROIs of a
 * RoiSet.zip read back as the command reads them, in both region modes.
 */
class RegionPassesTest {

	@TempDir
	Path work;

	private static final Pattern TOTAL = Pattern.compile(": (\\d+) model passes\\.$");

	static long total(String line) {
		Matcher m = TOTAL.matcher(line);
		assertTrue(m.find(), line);
		return Long.parseLong(m.group(1));
	}

	private void announcedIsScored(List<RegionExplainer.Region> regions, ImagePlus image, RegionExplainer.Mode mode, AttributionMethod method,
		String expected) {
		try (CountingClassifier model = new CountingClassifier(Models.open(TestFiles.testImages().resolve("models/ihc-stain")))) {
			String line = AttributionRun.regionPassesLine("Attribution", model, image.getHeight(), image.getWidth(), 3, regions, mode, "", method,
				0.5);
			assertEquals(expected, line);
			RegionExplanations.Explained e = RegionExplanations.explainEach(model, image, regions, mode, method, 2, 0.5, Progress.NONE);
			assertEquals(total(line), model.images(CountingClassifier.Kind.LOGITS), mode + ": the images " + method.name() + " scored");
			long tiles = e.results().stream().mapToLong(RegionExplainer.Result::tiles).sum();
			assertTrue(line.startsWith("ConceptScope Attribution: " + tiles + " tiles of " + regions.size() + (image.getStackSize() > 1
				? " regions (ROIs on " + image.getStackSize() + " slices)," : " ROIs,")), line);
		}
	}

	@Test
	void theRoisTilesTimesTheMethodsPassesAreThePassesTheModelScores() throws Exception {
		Roi gland = new OvalRoi(100, 200, 40, 30), stroma = new Roi(300, 60, 20, 12), edge = new Roi(490, 495, 40, 40);
		gland.setName("gland");
		stroma.setName("stroma");
		edge.setName("edge");
		Path zip = work.resolve("RoiSet.zip");
		BatchRoisTest.roiSet(zip, gland, stroma, edge);
		ImagePlus ihc = IJ.openImage(TestFiles.testImages().resolve("images/ihc.png").toString());
		List<RegionExplainer.Region> regions = RegionTargets.of(zip.toString(), ihc);
		// 32 x 32 tiles every 16 pixels (region=tiles: those holding a ROI pixel; the edge ROI is cut to 22 x 17); region=window: one each
		announcedIsScored(regions, ihc, RegionExplainer.Mode.TILES, new Rise(10, 4, 0.5, 1),
			"ConceptScope Attribution: 29 tiles of 3 ROIs, 10 model passes each (RISE: one per mask): 290 model passes.");
		announcedIsScored(regions, ihc, RegionExplainer.Mode.WINDOW, new Occlusion(8, 8, 0f),
			"ConceptScope Attribution: 3 tiles of 3 ROIs, 17 model passes each (occlusion: 4 x 4 patch positions and the image itself): 51 model passes.");
	}

	/** On a stack a ROI without a position is explained on every slice: the line counts regions on slices, not that many ROIs. */
	@Test
	void aStacksRoisAreCountedAsRegionsOnItsSlices() throws Exception {
		Roi gland = new OvalRoi(10, 12, 20, 16), corner = new Roi(40, 40, 8, 8);
		gland.setName("gland");
		corner.setName("corner");
		Path zip = work.resolve("stack-RoiSet.zip");
		BatchRoisTest.roiSet(zip, gland, corner);
		ImagePlus ihc = IJ.openImage(TestFiles.testImages().resolve("images/ihc.png").toString());
		ihc.setRoi(100, 180, 48, 48);
		ImagePlus crop = ihc.crop();
		ij.ImageStack stack = new ij.ImageStack(48, 48);
		for (int i = 0; i < 3; i++) stack.addSlice(crop.getProcessor().duplicate());
		ImagePlus three = new ImagePlus("three", stack);
		List<RegionExplainer.Region> regions = RegionTargets.of(zip.toString(), three);
		assertEquals(6, regions.size(), "2 ROIs on each of 3 slices");
		announcedIsScored(regions, three, RegionExplainer.Mode.WINDOW, new Occlusion(8, 8, 0f),
			"ConceptScope Attribution: 6 tiles of 6 regions (ROIs on 3 slices), 17 model passes each (occlusion: 4 x 4 patch positions and the"
				+ " image itself): 102 model passes.");
	}
}
