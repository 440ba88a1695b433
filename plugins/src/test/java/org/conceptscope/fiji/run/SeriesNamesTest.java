package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ij.IJ;
import ij.ImagePlus;

import java.nio.file.Path;
import java.util.List;

import org.conceptscope.fiji.TestFiles;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Bio-Formats series of one file, explained into one save_dir as a macro over the series does, keep
 * a set of files each (ImageJ's short title, "exp" for both, made the second overwrite the first).
 */
class SeriesNamesTest {

	@TempDir
	Path work;

	@Test
	void twoSeriesOfOneFileKeepTheirOwnFiles() throws Exception {
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve("images/ihc-heldout-patches.tif").toString());
		AttributionSettings s = new AttributionSettings().model(TestFiles.testImages().resolve("models/ihc-stain")).method("saliency")
			.saveDir(work);
		for (int i = 1; i <= 2; i++) {
			AttributionRun.run(new ImagePlus("exp.lif - Series00" + i, patches.getStack().getProcessor(i).duplicate()), s, Progress.NONE);
		}
		assertEquals(List.of("exp.lif - Series001-saliency-RoiSet.zip", "exp.lif - Series001-saliency-results.csv",
			"exp.lif - Series001-saliency.tif", "exp.lif - Series002-saliency-RoiSet.zip", "exp.lif - Series002-saliency-results.csv",
			"exp.lif - Series002-saliency.tif"), TestFiles.names(work));
	}
}
