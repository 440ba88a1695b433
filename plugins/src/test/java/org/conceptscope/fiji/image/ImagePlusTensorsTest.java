package org.conceptscope.fiji.image;

import org.conceptscope.fiji.TestFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ShortProcessor;

import java.util.Arrays;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.junit.jupiter.api.Test;

class ImagePlusTensorsTest {

	private static final Normalization RAW = new Normalization.None();
	private static final int W = 5, H = 3;

	@Test
	void eightBitValuesRoundTripExactly() {
		ImagePlus imp = stack(b -> {
			byte[] p = new byte[W * H];
			for (int i = 0; i < p.length; i++) p[i] = (byte) ((i * 17 + b * 101) % 256);
			return new ByteProcessor(W, H, p);
		}, 2);
		ImagePlus before = imp.duplicate();
		FloatTensor t = ImagePlusTensors.toTensor(imp, RAW).tensor();
		assertArrayEquals(new long[] { 2, H, W, 1 }, t.shape());
		for (int b = 0; b < 2; b++) {
			for (int y = 0; y < H; y++) {
				for (int x = 0; x < W; x++) {
					assertEquals(imp.getStack().getProcessor(b + 1).get(x, y), t.get(b, y, x, 0), 0);
				}
			}
		}
		assertTrue(Arrays.stream(toDoubles(t)).anyMatch(v -> v > 200), "test values use the upper half of the byte range");
		assertPixelsUnchanged(before, imp);
	}

	@Test
	void eightBitKeepsItsTypeRangeForUnitRange() {
		ByteProcessor ip = new ByteProcessor(W, H);
		ip.set(0, 0, 51);
		ip.set(1, 0, 255);
		FloatTensor t = ImagePlusTensors.toTensor(new ImagePlus("u8", ip), new Normalization.UnitRange()).tensor();
		// Divided by 255 (type range), not min-max scaled as a float image would be.
		assertEquals(0.2f, t.get(0, 0, 0, 0), 1e-6);
		assertEquals(1f, t.get(0, 0, 1, 0), 1e-6);
		assertEquals(0f, t.get(0, 1, 1, 0), 0);
	}

	@Test
	void sixteenBitValuesRoundTripExactly() {
		ImagePlus imp = stack(b -> {
			short[] p = new short[W * H];
			for (int i = 0; i < p.length; i++) p[i] = (short) (65535 - i * 4099 - b);
			return new ShortProcessor(W, H, p, null);
		}, 3);
		ImagePlus before = imp.duplicate();
		FloatTensor t = ImagePlusTensors.toTensor(imp, RAW).tensor();
		for (int b = 0; b < 3; b++) {
			for (int y = 0; y < H; y++) {
				for (int x = 0; x < W; x++) {
					assertEquals(imp.getStack().getProcessor(b + 1).get(x, y), t.get(b, y, x, 0), 0);
				}
			}
		}
		assertEquals(65535f, t.get(0, 0, 0, 0), 0, "values above 32767 stay unsigned");
		assertPixelsUnchanged(before, imp);
	}

	@Test
	void floatValuesRoundTripExactly() {
		float[] values = { -1234.5f, 0f, 1e-7f, 3.14159f, 1e30f, -0.001f };
		ImagePlus imp = stack(b -> {
			float[] p = new float[W * H];
			for (int i = 0; i < p.length; i++) p[i] = values[(i + b) % values.length] * (i + 1);
			return new FloatProcessor(W, H, p);
		}, 2);
		ImagePlus before = imp.duplicate();
		FloatTensor t = ImagePlusTensors.toTensor(imp, RAW).tensor();
		for (int b = 0; b < 2; b++) {
			float[] p = (float[]) imp.getStack().getPixels(b + 1);
			for (int i = 0; i < p.length; i++) assertEquals(p[i], t.get(b, i / W, i % W, 0), 0);
		}
		assertPixelsUnchanged(before, imp);
	}

	@Test
	void rgbBecomesThreeChannelsInRgbOrder() {
		ImagePlus imp = stack(b -> {
			ColorProcessor cp = new ColorProcessor(W, H);
			for (int i = 0; i < W * H; i++) cp.set(i, ((10 * i + b) << 16) | ((200 - i) << 8) | (i * 3 + 7));
			return cp;
		}, 2);
		ImagePlus before = imp.duplicate();
		FloatTensor t = ImagePlusTensors.toTensor(imp, RAW).tensor();
		assertArrayEquals(new long[] { 2, H, W, 3 }, t.shape());
		for (int b = 0; b < 2; b++) {
			for (int i = 0; i < W * H; i++) {
				assertEquals(10 * i + b, t.get(b, i / W, i % W, 0), 0, "red");
				assertEquals(200 - i, t.get(b, i / W, i % W, 1), 0, "green");
				assertEquals(i * 3 + 7, t.get(b, i / W, i % W, 2), 0, "blue");
			}
		}
		assertEquals(3, ImagePlusTensors.channels(imp));
		assertPixelsUnchanged(before, imp);
	}

	@Test
	void hyperstackSlicesAndFramesBecomeTheBatchInImageJOrder() {
		int channels = 2, slices = 3, frames = 2;
		ImageStack stack = new ImageStack(W, H);
		for (int i = 1; i <= channels * slices * frames; i++) {
			ByteProcessor ip = new ByteProcessor(W, H);
			ip.setValue(i * 10);
			ip.fill();
			stack.addSlice("plane " + i, ip);
		}
		ImagePlus plain = new ImagePlus("hyper", stack);
		plain.setDimensions(channels, slices, frames);
		ImagePlus imp = new CompositeImage(plain, IJ.COMPOSITE);
		ImagePlusTensors.Converted c = ImagePlusTensors.toTensor(imp, RAW);
		assertArrayEquals(new long[] { slices * frames, H, W, channels }, c.tensor().shape());
		assertEquals(new BatchIndex(slices, frames), c.batches());
		for (int b = 0; b < slices * frames; b++) {
			int z = c.batches().slice(b), t = c.batches().frame(b);
			assertEquals(b % slices + 1, z, "slices vary fastest");
			assertEquals(b / slices + 1, t);
			assertEquals(b, c.batches().batch(z, t));
			for (int ch = 0; ch < channels; ch++) {
				assertEquals(imp.getStackIndex(ch + 1, z, t) * 10, c.tensor().get(b, 1, 2, ch), 0,
					"batch " + b + " channel " + ch);
			}
		}
	}

	@Test
	void calibrated16BitGivesCalibratedValues() {
		short[] p = new short[W * H];
		for (int i = 0; i < p.length; i++) p[i] = (short) (i * 100);
		ImagePlus imp = new ImagePlus("ct", new ShortProcessor(W, H, p, null));
		Calibration cal = imp.getCalibration();
		cal.setFunction(Calibration.STRAIGHT_LINE, new double[] { -1024, 2 }, "HU");
		imp.setCalibration(cal);
		ImagePlus before = imp.duplicate();
		FloatTensor t = ImagePlusTensors.toTensor(imp, RAW).tensor();
		for (int i = 0; i < p.length; i++) assertEquals(-1024 + 2 * i * 100, t.get(0, i / W, i % W, 0), 0);
		assertPixelsUnchanged(before, imp);
		assertTrue(imp.getCalibration().calibrated(), "the calibration stays on the image");
	}

	@Test
	void dicomCtGivesHounsfieldUnits() {
		ImagePlus imp = IJ.openImage(TestFiles.testImages().resolve("images/CT_small.dcm").toString());
		assertTrue(imp.getCalibration().calibrated(), "ImageJ reads the DICOM rescale as a calibration");
		ImagePlus before = imp.duplicate();
		FloatTensor t = ImagePlusTensors.toTensor(imp, RAW).tensor();
		Calibration cal = imp.getCalibration();
		short[] raw = (short[]) imp.getProcessor().getPixels();
		boolean negative = false;
		for (int i = 0; i < raw.length; i++) {
			float hu = t.get(0, i / imp.getWidth(), i % imp.getWidth(), 0);
			assertEquals(cal.getCValue(raw[i] & 0xffff), hu, 1e-3);
			negative |= hu < -500;
		}
		assertTrue(negative, "air is strongly negative in HU, raw 16-bit values never are");
		assertPixelsUnchanged(before, imp);
	}

	@Test
	void floatStackFileRoundTrips() {
		ImagePlus imp = IJ.openImage(TestFiles.testImages().resolve("images/ct-heldout-patches.tif").toString());
		FloatTensor t = ImagePlusTensors.toTensor(imp, RAW).tensor();
		assertEquals(imp.getStackSize(), t.dim(0));
		for (int b = 0; b < imp.getStackSize(); b++) {
			float[] p = (float[]) imp.getStack().getPixels(b + 1);
			for (int i = 0; i < p.length; i++) assertEquals(p[i], t.get(b, i / imp.getWidth(), i % imp.getWidth(), 0), 0);
		}
	}

	@Test
	void unusableInputsGiveClearMessages() {
		IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> ImagePlusTensors.toTensor(null, RAW));
		assertTrue(none.getMessage().contains("No image"), none.getMessage());
		IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
			() -> ImagePlusTensors.toTensor(new ImagePlus(), RAW));
		assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
		ImagePlus ok = new ImagePlus("x", new ByteProcessor(2, 2));
		IllegalArgumentException noNorm = assertThrows(IllegalArgumentException.class, () -> ImagePlusTensors.toTensor(ok, null));
		assertTrue(noNorm.getMessage().contains("normalisation"), noNorm.getMessage());
	}

	private interface PlaneMaker {
		ij.process.ImageProcessor make(int b);
	}

	private static ImagePlus stack(PlaneMaker maker, int n) {
		ImageStack s = new ImageStack(W, H);
		for (int b = 0; b < n; b++) s.addSlice("s" + b, maker.make(b));
		return new ImagePlus("test", s);
	}

	private static void assertPixelsUnchanged(ImagePlus before, ImagePlus after) {
		assertEquals(before.getStackSize(), after.getStackSize());
		for (int i = 1; i <= before.getStackSize(); i++) {
			Object a = before.getStack().getPixels(i), b = after.getStack().getPixels(i);
			if (a instanceof byte[] x) assertArrayEquals(x, (byte[]) b, "plane " + i);
			else if (a instanceof short[] x) assertArrayEquals(x, (short[]) b, "plane " + i);
			else if (a instanceof float[] x) assertArrayEquals(x, (float[]) b, "plane " + i);
			else assertArrayEquals((int[]) a, (int[]) b, "plane " + i);
		}
	}

	private static double[] toDoubles(FloatTensor t) {
		double[] d = new double[t.size()];
		for (int i = 0; i < d.length; i++) d[i] = t.data()[i];
		return d;
	}
}
