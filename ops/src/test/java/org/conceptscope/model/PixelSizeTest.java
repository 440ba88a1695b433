package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The pixel size a model was trained at against an image's calibration, in the units ImageJ and bioimage.io write. */
class PixelSizeTest {

	final PixelSize model = new PixelSize(0.5, 0.5, "micrometer");

	@Test
	void theSameSizeInAnyUnitSpellingGivesNoWarning() {
		for (String unit : new String[] { "micron", "µm", "um", "micrometer", "\u03bcm" }) assertNull(model.compare(0.5, 0.5, unit, "m"), unit);
		assertNull(model.compare(500, 500, "nm", "m"));
		assertNull(model.compare(0.0005, 0.0005, "mm", "m"));
		assertNull(model.compare(0.52, 0.49, "micron", "m"), "within 5 %");
	}

	@Test
	void otherSizesWarnWithTheFactor() {
		String w = model.compare(1, 1, "micron", "IHC");
		assertTrue(w.startsWith("The model IHC was trained on pixels of 0.5000 x 0.5000 micrometer but this image's pixels are 1.000 x 1.000 micron"), w);
		assertTrue(w.contains("(2.00 times as large)"), w);
		assertTrue(model.compare(0.5, 0.6, "micron", "m") != null, "one axis differing by 20 % warns");
	}

	@Test
	void uncalibratedImagesAndUnknownUnitsAreNotCompared() {
		assertNull(model.compare(1, 1, "pixel", "m"));
		assertNull(model.compare(1, 1, "", "m"));
		assertNull(new PixelSize(1, 1, "furlong").compare(1, 1, "micron", "m"));
		assertEquals(1e-6, PixelSize.metres("Micrometres"));
		assertThrows(IllegalArgumentException.class, () -> new PixelSize(0, 1, "um"));
	}
}
