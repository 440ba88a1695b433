package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.ShortProcessor;

import java.util.ArrayList;
import java.util.List;

import org.conceptscope.fiji.TestFiles;
import org.conceptscope.model.Classifier;
import org.junit.jupiter.api.Test;

/**
 * The note for 16-bit images of a 12- or 14-bit camera under a unit_range model (the bundled
 * known-answer model: unit_range, no input statistics): the largest value over the image decides,
 * a folder of such images gets one line with a count, and 8-bit, full-range 16-bit and density
 * calibrated images get none.
 */
class NarrowSixteenBitTest {

	/** A 32 x 32 16-bit image whose largest value is {@code max} (a ramp). */
	private static ImagePlus sixteen(String title, int max) {
		ShortProcessor ip = new ShortProcessor(32, 32);
		for (int i = 0; i < 32 * 32; i++) ip.set(i, (int) ((long) max * i / (32 * 32 - 1)));
		return new ImagePlus(title, ip);
	}

	@Test
	void oneNoteForTheNarrowImagesOfASetNamingTheFirstAndTheCount() {
		try (Classifier model = Models.open(TestFiles.testImages().resolve("models/known-answer"))) {
			List<String> lines = new ArrayList<>();
			Models.warnDomain(List.of(sixteen("a", 4000), sixteen("b", 40000), sixteen("c", 16383)), model, lines::add);
			assertEquals(1, lines.size(), lines.toString());
			assertTrue(lines.get(0).startsWith("ConceptScope note: 'a' is 16-bit with values up to 4000 (12-bit data?): the model's unit_range"
				+ " divides 16-bit values by 65535 (not by the display range), so its input reaches at most 0.061 here."), lines.get(0));
			assertTrue(lines.get(0).contains("\"normalization\": \"affine(0,4095)\""), lines.get(0));
			assertTrue(lines.get(0).endsWith(" (2 of the 3 16-bit images are so.)"), lines.get(0));

			lines.clear();
			Models.warnDomain(List.of(sixteen("full", 16384)), model, lines::add);
			ImagePlus calibrated = sixteen("hu", 2000);
			calibrated.getCalibration().setFunction(ij.measure.Calibration.STRAIGHT_LINE, new double[] { -1000, 1 }, "HU");
			Models.warnDomain(List.of(calibrated), model, lines::add);
			Models.warnDomain(List.of(new ImagePlus("eight", new ByteProcessor(32, 32))), model, lines::add);
			assertEquals(List.of(), lines, "above 14 bits, density calibrated, or 8-bit: no note");
			assertNull(Models.warnNarrowSixteenBit(sixteen("full", 16384), model, lines::add));
		}
	}
}
