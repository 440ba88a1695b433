package org.conceptscope.model.bioimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conceptscope.model.bioimage.ModelDescription.Axis;
import org.junit.jupiter.api.Test;

/** The input size an rdf axis gives an image: its fixed size, the largest min + k*step up to the image's, or the image's own. */
class AxisSizesTest {

	@Test
	void theLargestAllowedSizeUpToTheImages() {
		Axis stepped = new Axis('y', "y", -1, 16, 16, null, null);
		assertEquals(48, stepped.fit(50));
		assertEquals(32, stepped.fit(32));
		assertEquals(16, stepped.fit(31));
		assertEquals(16, stepped.fit(10), "below the minimum: the minimum (the tiles are padded)");
		for (long n = 1; n < 200; n++) {
			long fit = stepped.fit(n);
			assertTrue(stepped.accepts(fit), n + " -> " + fit);
			assertTrue(fit <= Math.max(n, 16) && (fit + 16 > n || fit == 16), n + " -> " + fit + " is the largest allowed up to n");
		}
		assertEquals(24, new Axis('x', "x", -1, 24, 0, null, null).fit(100), "min without a step: only min");
		assertEquals(32, new Axis('x', "x", 32, -1, 0, null, null).fit(100), "a fixed size");
		assertEquals(77, new Axis('x', "x", -1, -1, 0, null, null).fit(77), "any size: the image's");
	}
}
