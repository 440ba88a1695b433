package org.conceptscope.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Bicubic upsampling as TensorFlow's resize (half-pixel centres, Keys a = -0.5, out-of-grid taps
 * dropped and the rest renormalised), checked against values worked out by hand.
 */
class GridUpsamplingTest {

	@Test
	void keysKernelValuesByHand() {
		// (a+2)|d|^3 - (a+3)|d|^2 + 1 for |d| <= 1, a|d|^3 - 5a|d|^2 + 8a|d| - 4a for 1 < |d| < 2, a = -0.5
		assertEquals(1.0, Bicubic.keys(0), 1e-15);
		assertEquals(0.8671875, Bicubic.keys(0.25), 1e-15);
		assertEquals(0.2265625, Bicubic.keys(-0.75), 1e-15);
		assertEquals(-0.0703125, Bicubic.keys(1.25), 1e-15);
		assertEquals(-0.0234375, Bicubic.keys(1.75), 1e-15);
		assertEquals(0.0, Bicubic.keys(2.5), 1e-15);
	}

	@Test
	void twoCellsToFourPixelsByHand() {
		// output pixel o samples (o + 0.5) * 2 / 4 - 0.5 = -0.25, 0.25, 0.75, 1.25.
		// o = 1: of the taps -1, 0, 1, 2 only cells 0 and 1 exist, with weights keys(0.25) = 0.8671875
		// and keys(0.75) = 0.2265625, renormalised: 0.2265625 / 1.09375.
		// o = 0: of the taps -2, -1, 0, 1 only cells 0 (distance 0.25) and 1 (distance 1.25) exist:
		// -0.0703125 / (0.8671875 - 0.0703125), a small undershoot as in TensorFlow.
		float[] up = Bicubic.resize(new double[] { 0, 1 }, 1, 2, 1, 4);
		double o0 = -0.0703125 / (0.8671875 - 0.0703125), o1 = 0.2265625 / (0.8671875 + 0.2265625);
		assertArrayEquals(new float[] { (float) o0, (float) o1, (float) (1 - o1), (float) (1 - o0) }, up, 1e-6f);
	}

	@Test
	void constantsAndInteriorRampsAreReproduced() {
		double[] c = new double[64];
		java.util.Arrays.fill(c, 2.5);
		for (float v : Bicubic.resize(c, 8, 8, 32, 32)) assertEquals(2.5f, v, 1e-6f);
		// cubic convolution with a = -0.5 reproduces linear functions where all four taps exist
		double[] ramp = new double[64];
		for (int gy = 0; gy < 8; gy++) for (int gx = 0; gx < 8; gx++) ramp[gy * 8 + gx] = 3 * gx - gy;
		float[] up = Bicubic.resize(ramp, 8, 8, 32, 32);
		for (int y = 8; y < 24; y++) {
			for (int x = 8; x < 24; x++) {
				double gx = (x + 0.5) / 4 - 0.5, gy = (y + 0.5) / 4 - 0.5;
				assertEquals(3 * gx - gy, up[y * 32 + x], 1e-5, "pixel " + x + ", " + y);
			}
		}
	}

	/** Bilinear keeps every pixel between the values of the cells around it: non-negative grids stay non-negative. */
	@Test
	void bilinearStaysBetweenNeighbouringCells() {
		double[] g = { 0, 0, 0, 0, 5, 0, 0, 0, 0 };
		float[] up = GridUpsampling.BILINEAR.apply(g, 3, 3, 12, 12);
		float[] cubic = GridUpsampling.BICUBIC.apply(g, 3, 3, 12, 12);
		float min = Float.MAX_VALUE, cubicMin = Float.MAX_VALUE;
		for (int i = 0; i < up.length; i++) {
			min = Math.min(min, up[i]);
			cubicMin = Math.min(cubicMin, cubic[i]);
		}
		assertEquals(0f, min, 0f, "no undershoot");
		assertTrue(cubicMin < 0, "bicubic does undershoot next to a peak: " + cubicMin);
		// pixel (5, 5) samples grid position (5.5 * 3 / 12 - 0.5) = 0.875 on both axes: 5 * 0.875^2
		assertEquals(5 * 0.875 * 0.875, up[5 * 12 + 5], 1e-5);
	}

	@Test
	void nearestPaintsBlocksAndKeysParse() {
		float[] up = GridUpsampling.NEAREST.apply(new double[] { 1, 2, 3, 4 }, 2, 2, 4, 4);
		assertArrayEquals(new float[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }, up);
		assertEquals(GridUpsampling.BICUBIC, GridUpsampling.parse("Bicubic"));
		assertEquals("Unknown grid upsampling 'cubic': use bilinear, bicubic or nearest.",
			assertThrows(IllegalArgumentException.class, () -> GridUpsampling.parse("cubic")).getMessage());
	}
}
