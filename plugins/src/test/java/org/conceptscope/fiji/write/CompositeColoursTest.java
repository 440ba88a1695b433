package org.conceptscope.fiji.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.process.LUT;
import ij.process.ShortProcessor;

import java.util.List;
import java.util.Map;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.fiji.TestFiles;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

/**
 * The result composite keeps the image's colours: the map channel is black where the map is 0
 * (channels add up, so a LUT white at 0 hid the tissue), its extremes are coloured, and the image's
 * channels keep the image's display ranges (0-255 for R, G, B).
 */
class CompositeColoursTest {

	private static ImagePlus ihc() {
		return IJ.openImage(TestFiles.testImages().resolve("images/ihc.png").toString());
	}

	/** Map: 0 on the top half; on the bottom half from {@code low} (left) to {@code high} (right). */
	private static Explanation explain(ImagePlus imp, String method, float low, float high) {
		int w = imp.getWidth(), h = imp.getHeight();
		float[] map = new float[w * h];
		for (int y = h / 2; y < h; y++) for (int x = 0; x < w; x++) map[y * w + x] = low + (high - low) * x / (w - 1f);
		Attribution a = new Attribution(new FloatTensor(new long[] { 1, h, w }, map), new int[] { 0 }, Map.of());
		return new Explanation(imp, new BatchIndex(1, 1), List.of("a", "b"), new FloatTensor(new long[] { 1, 2 }, new float[] { 1, 0 }),
			new int[] { 0 }, a, method, "m");
	}

	/** Mean absolute difference of R, G, B over the top half (where the map is 0). */
	private static double topHalfDifference(ImagePlus original, ImagePlus flat) {
		int w = original.getWidth(), h = original.getHeight();
		int[] a = (int[]) original.getProcessor().convertToRGB().getPixels(), b = (int[]) flat.getProcessor().getPixels();
		double sum = 0;
		for (int i = 0; i < w * (h / 2); i++) {
			for (int shift : new int[] { 16, 8, 0 }) sum += Math.abs(((a[i] >> shift) & 0xff) - ((b[i] >> shift) & 0xff));
		}
		return sum / (3.0 * w * (h / 2));
	}

	@Test
	void aSignedMapIsBlackAtZeroAndColouredAtItsExtremes() {
		ImagePlus ihc = ihc();
		assertEquals(24, ihc.getBitDepth());
		int w = ihc.getWidth(), h = ihc.getHeight();
		for (String method : new String[] { "integrated_gradients", "occlusion" }) {
			CompositeImage ci = HeatmapWriter.build(explain(ihc, method, -2f, 1f));
			LUT lut = ci.getChannelLut(4);
			assertEquals(-2, lut.min, 1e-6, method + ": symmetric range");
			assertEquals(2, lut.max, 1e-6, method);
			ImagePlus flat = ci.flatten();
			double diff = topHalfDifference(ihc, flat);
			assertTrue(diff < 2, method + ": where the map is 0 the image keeps its colours (mean |difference| " + diff + ")");
			int[] px = (int[]) flat.getProcessor().getPixels();
			int most = px[(h - 1) * w], positive = px[(h - 1) * w + w - 1];
			assertEquals(255, most & 0xff, method + ": the most negative value is blue (" + Integer.toHexString(most) + ")");
			int red = (positive >> 16) & 0xff, original = (((int[]) ihc.getProcessor().getPixels())[(h - 1) * w + w - 1] >> 16) & 0xff;
			assertTrue(red >= Math.min(255, original + 120), method + ": the positive end adds red (" + red + " vs " + original + ")");
		}
	}

	@Test
	void theDivergingLutWhiteAtZeroStaysForAMapShownAlone() {
		ImagePlus alone = HeatmapWriter.buildMapImage(explain(ihc(), "integrated_gradients", -2f, 1f));
		assertEquals(MapLuts.diverging().getRGB(128), alone.getProcessor().getLut().getRGB(128));
		assertEquals(-2, alone.getDisplayRangeMin(), 1e-6);
	}

	@Test
	void aTinyUndershootIsNotSigned() {
		// Sobol on ihc.png: bicubic upsampling undershoots to -0.0026 with a maximum of 0.22.
		assertFalse(MapLuts.signed("sobol", -0.0026, 0.22));
		assertTrue(MapLuts.signed("occlusion", -0.05, 0.22), "a real negative part");
		assertTrue(MapLuts.signed("integrated_gradients", 0, 0.22), "signed by definition");
		assertTrue(MapLuts.signed(null, -1, 0), "only negative values");
		ImagePlus ihc = ihc();
		CompositeImage ci = HeatmapWriter.build(explain(ihc, "sobol", -0.0026f, 0.22f));
		LUT lut = ci.getChannelLut(4);
		assertEquals(0, lut.min, 0, "Fire from 0");
		assertEquals(0.22, lut.max, 1e-6);
		assertEquals(0, lut.getRGB(0) & 0xffffff, "black at 0");
		assertTrue(topHalfDifference(ihc, ci.flatten()) < 2);
	}

	@Test
	void anRgbImageKeepsZeroTo255OnEachColour() {
		ImagePlus ihc = ihc();
		CompositeImage ci = HeatmapWriter.build(explain(ihc, "saliency", 0f, 1f));
		for (int c = 1; c <= 3; c++) {
			LUT lut = ci.getChannelLut(c);
			assertArrayEquals(new double[] { 0, 255 }, new double[] { lut.min, lut.max }, "channel " + c);
		}
		FloatTensor maps = new FloatTensor(new long[] { 1, ihc.getHeight(), ihc.getWidth(), 1 }, new float[ihc.getWidth() * ihc.getHeight()]);
		CompositeImage mc = MapChannels.build(ihc, maps, List.of("m"), "t", true);
		for (int c = 1; c <= 3; c++) assertArrayEquals(new double[] { 0, 255 }, new double[] { mc.getChannelLut(c).min, mc.getChannelLut(c).max });
		// and a map made of the image alone: the old per-colour ranges changed the stain colours
		assertTrue(topHalfDifference(ihc, ci.flatten()) < 2);
	}

	@Test
	void otherImagesKeepTheirOwnDisplayRange() {
		int w = 16, h = 8;
		short[] p = new short[w * h];
		for (int i = 0; i < p.length; i++) p[i] = (short) (i * 50);
		ImagePlus gray = new ImagePlus("gray", new ShortProcessor(w, h, p, null));
		gray.setDisplayRange(1000, 3000);
		CompositeImage ci = HeatmapWriter.build(explain(gray, "saliency", 0f, 1f));
		assertArrayEquals(new double[] { 1000, 3000 }, new double[] { ci.getChannelLut(1).min, ci.getChannelLut(1).max });

		ImagePlus ct = new ImagePlus("ct", new ShortProcessor(w, h, p.clone(), null));
		Calibration cal = ct.getCalibration();
		cal.setFunction(Calibration.STRAIGHT_LINE, new double[] { -1024, 1 }, "HU");
		ct.setCalibration(cal);
		ct.setDisplayRange(1000, 3000);
		ci = HeatmapWriter.build(explain(ct, "saliency", 0f, 1f));
		assertArrayEquals(new double[] { -24, 1976 }, new double[] { ci.getChannelLut(1).min, ci.getChannelLut(1).max }, "calibrated values");

		ImageStack stack = new ImageStack(w, h);
		stack.addSlice(new ShortProcessor(w, h, p.clone(), null));
		stack.addSlice(new ShortProcessor(w, h, p.clone(), null));
		ImagePlus two = new ImagePlus("two", stack);
		two.setDimensions(2, 1, 1);
		CompositeImage source = new CompositeImage(two, IJ.COMPOSITE);
		source.setC(1);
		source.setDisplayRange(100, 200);
		source.setC(2);
		source.setDisplayRange(300, 5000);
		source.setC(1);
		ci = HeatmapWriter.build(explain(source, "saliency", 0f, 1f));
		assertArrayEquals(new double[] { 100, 200 }, new double[] { ci.getChannelLut(1).min, ci.getChannelLut(1).max });
		assertArrayEquals(new double[] { 300, 5000 }, new double[] { ci.getChannelLut(2).min, ci.getChannelLut(2).max });
		FloatTensor maps = new FloatTensor(new long[] { 1, h, w, 1 }, new float[w * h]);
		CompositeImage mc = MapChannels.build(source, maps, List.of("m"), "t", true);
		assertArrayEquals(new double[] { 300, 5000 }, new double[] { mc.getChannelLut(2).min, mc.getChannelLut(2).max });
	}
}
