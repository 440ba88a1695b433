package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.measure.Calibration;
import ij.process.ShortProcessor;

import java.util.List;

import org.conceptscope.fiji.Printed;
import org.conceptscope.fiji.TestFiles;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.model.Classifier;
import org.junit.jupiter.api.Test;

/**
 * Which folders of whole images Concept Discovery's holistic maps stack (the 16x16 CT model, 48x32
 * 16-bit images): a stack is read with its first image's calibration, so images whose values (a
 * DICOM's rescale) or pixel size differ keep one plane per tile, with the Log line naming both; images
 * of one calibration are stacked, and the stack reads each one's calibrated values.
 */
class HolisticWholeImagesTest {

	@Test
	void imagesOfAnotherCalibrationAreNotStacked() throws Exception {
		ImagePlus hu = ct("a.dcm", -1000), hu2 = ct("b.dcm", -1000), shifted = ct("c.dcm", -1024), raw = ct("d.tif", Double.NaN);
		ImagePlus scaled = ct("e.dcm", -1000);
		scaled.getCalibration().pixelWidth = 0.5;
		scaled.getCalibration().pixelHeight = 0.5;
		scaled.getCalibration().setUnit("mm");
		try (Classifier model = Models.open(TestFiles.testImages().resolve("models/ct-tissue"))) {
			ImagePlus stack = HolisticOutputs.wholeImages(new ImageSet(List.of(hu, hu2)), model, CommandSpecs.CONCEPT_DISCOVERY);
			assertNotNull(stack, "one calibration: one stack");
			assertEquals(2, stack.getNSlices());
			for (int z = 0; z < 2; z++) {
				assertEquals(List.of(hu, hu2).get(z).getCalibration().getCValue(7), ImagePlusTensors.plane(stack, 0, z)[0], 1e-6,
					"the stack reads slice " + (z + 1) + "'s calibrated values");
			}
			for (ImagePlus other : List.of(shifted, raw, scaled)) {
				ImagePlus[] got = new ImagePlus[1];
				String log = Printed.during(() -> got[0] = HolisticOutputs.wholeImages(new ImageSet(List.of(hu, other)), model,
					CommandSpecs.CONCEPT_DISCOVERY));
				assertNull(got[0], other.getTitle() + " is not stacked with a.dcm");
				assertTrue(log.contains("ConceptScope Concept Discovery: the holistic maps are one plane per sample (each tile its own): '"
					+ other.getTitle() + "'"), log);
				assertTrue(log.contains("and 'a.dcm' (48x32, 1 channel(s), 16-bit, values calibrated (-1000.0"), log);
			}
		}
	}

	/** A 48x32 16-bit image of value 7 everywhere, calibrated as value + intercept (none for NaN). */
	private static ImagePlus ct(String title, double intercept) {
		ShortProcessor ip = new ShortProcessor(48, 32);
		ip.set(7);
		ImagePlus imp = new ImagePlus(title, ip);
		if (!Double.isNaN(intercept)) {
			Calibration cal = imp.getCalibration();
			cal.setFunction(Calibration.STRAIGHT_LINE, new double[] { intercept, 1 }, "HU");
		}
		return imp;
	}
}
