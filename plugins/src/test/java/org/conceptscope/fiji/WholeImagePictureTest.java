package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.process.ColorProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.conceptscope.fiji.run.AttributionResult;
import org.conceptscope.fiji.run.AttributionRun;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * The README's picture: scikit-image's ihc.png (512x512) explained whole, tile by tile, with Saliency
 * for DAB-positive; the heat-map overlay the Attribution command puts on its result, composed over
 * the image as ImageJ draws it (each pixel (1 - opacity) image + opacity map). Written to
 * target/whole-ihc.png, and with -Dconceptscope.screenshots=&lt;folder&gt; copied there (docs/).
 */
class WholeImagePictureTest {

	@Test
	void pictureOfTheWholeImageExplained() throws Exception {
		Path ihc = TestFiles.testImages().resolve("images/ihc.png");
		double opacity = 0.5;
		AttributionResult r = AttributionRun.run(IJ.openImage(ihc.toString()), new AttributionSettings()
			.model(TestFiles.testImages().resolve("models/ihc-stain")).method(System.getProperty("conceptscope.pictureMethod", "saliency")).target("DAB-positive").opacity(opacity),
			Progress.NONE);
		Overlay o = r.image().getOverlay();
		ImageRoi heat = null;
		for (int i = 0; i < o.size(); i++) if (o.get(i) instanceof ImageRoi roi) heat = roi;
		assertEquals(512, heat.getProcessor().getWidth());
		ImagePlus image = IJ.openImage(ihc.toString());
		int[] img = (int[]) image.getProcessor().getPixels(), map = (int[]) heat.getProcessor().getPixels();
		int[] out = new int[img.length];
		int differ = 0;
		for (int i = 0; i < img.length; i++) {
			int v = 0;
			for (int shift = 0; shift <= 16; shift += 8) {
				double c = (1 - opacity) * ((img[i] >> shift) & 0xff) + opacity * ((map[i] >> shift) & 0xff);
				v |= ((int) Math.round(c)) << shift;
			}
			out[i] = v;
			if (v != (img[i] & 0xffffff)) differ++;
		}
		assertTrue(differ > img.length / 2, "the overlay shows over the image (" + differ + " pixels changed)");
		Path png = Path.of("target", "whole-ihc.png");
		Files.createDirectories(png.getParent());
		assertTrue(new ij.io.FileSaver(new ImagePlus("ihc explained", new ColorProcessor(512, 512, out))).saveAsPng(png.toString()));
		assertTrue(Files.size(png) > 10_000);
		String docs = System.getProperty("conceptscope.screenshots");
		if (docs != null) Files.copy(png, Path.of(docs).resolve("whole-ihc.png"), StandardCopyOption.REPLACE_EXISTING);
	}
}
