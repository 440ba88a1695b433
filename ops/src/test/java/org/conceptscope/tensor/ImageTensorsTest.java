package org.conceptscope.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.type.numeric.integer.UnsignedShortType;
import net.imglib2.type.numeric.real.FloatType;

import org.junit.jupiter.api.Test;

class ImageTensorsTest {

	@Test
	void eightBitPlaneBecomesOneImageScaledByTheTypeRange() {
		byte[] px = new byte[3 * 2];
		for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 50);
		Img<UnsignedByteType> img = ArrayImgs.unsignedBytes(px, 3, 2); // x=3, y=2
		FloatTensor t = ImageTensors.toTensor(img, ImageAxes.XY, new Normalization.UnitRange());
		assertArrayEquals(new long[] { 1, 2, 3, 1 }, t.shape());
		assertEquals(250 / 255f, t.get(0, 1, 2, 0), 1e-6); // pixel x=2, y=1 is index 5
		assertEquals(50 / 255f, t.get(0, 0, 1, 0), 1e-6);
		assertEquals(5 * 50, img.getAt(2, 1).get(), "the image is unchanged");
	}

	@Test
	void channelsAndBatchLandInNhwcOrder() {
		// x=2, y=2, c=3, b=2 with value = 1000*b + 100*c + 10*y + x
		short[] px = new short[2 * 2 * 3 * 2];
		Img<UnsignedShortType> img = ArrayImgs.unsignedShorts(px, 2, 2, 3, 2);
		var c = img.localizingCursor();
		while (c.hasNext()) {
			c.fwd();
			c.get().set(1000 * c.getIntPosition(3) + 100 * c.getIntPosition(2) + 10 * c.getIntPosition(1) + c.getIntPosition(0));
		}
		FloatTensor t = ImageTensors.toTensor(img, ImageAxes.XYCB, new Normalization.None());
		assertArrayEquals(new long[] { 2, 2, 2, 3 }, t.shape());
		for (int b = 0; b < 2; b++)
			for (int y = 0; y < 2; y++)
				for (int x = 0; x < 2; x++)
					for (int ch = 0; ch < 3; ch++)
						assertEquals(1000 * b + 100 * ch + 10 * y + x, t.get(b, y, x, ch), 0);
	}

	@Test
	void floatImagesAreMinMaxScaledPerImage() {
		float[] px = { -2, 0, 2, 6 };
		FloatTensor t = ImageTensors.toTensor(ArrayImgs.floats(px, 2, 2), ImageAxes.XY, new Normalization.UnitRange());
		assertArrayEquals(new float[] { 0, 0.25f, 0.5f, 1 }, t.data(), 1e-6f);
	}

	@Test
	void percentileMapsLowAndHighPercentilesToZeroAndOne() {
		float[] v = new float[101];
		for (int i = 0; i <= 100; i++) v[i] = i * 3; // percentile p is 3p
		new Normalization.Percentile(10, 90).apply(v, 1, Double.NaN);
		assertEquals(0, v[10], 1e-6);
		assertEquals(1, v[90], 1e-6);
		assertEquals(0.5, v[50], 1e-6);
	}

	@Test
	void zeroMeanUnitVarianceWorksPerChannel() {
		Random r = new Random(1);
		float[] v = new float[2 * 500];
		for (int i = 0; i < 500; i++) {
			v[2 * i] = (float) (5 + 3 * r.nextGaussian());
			v[2 * i + 1] = (float) (-100 + 0.1 * r.nextGaussian());
		}
		new Normalization.ZeroMeanUnitVariance().apply(v, 2, Double.NaN);
		for (int c = 0; c < 2; c++) {
			double s = 0, sq = 0;
			for (int i = 0; i < 500; i++) {
				s += v[2 * i + c];
				sq += v[2 * i + c] * v[2 * i + c];
			}
			assertEquals(0, s / 500, 1e-4);
			assertEquals(1, sq / 500, 1e-3);
		}
	}

	@Test
	void normalisationsRoundTripThroughTheirText() {
		for (Normalization n : new Normalization[] { new Normalization.None(), new Normalization.UnitRange(),
			new Normalization.ZeroMeanUnitVariance(), new Normalization.Percentile(1, 99.8), new Normalization.Affine(-1024, 1000) }) {
			assertEquals(n, Normalization.parse(n.describe()));
		}
		var e = assertThrows(IllegalArgumentException.class, () -> Normalization.parse("percentile(99,1)"));
		assertTrue(e.getMessage().contains("low < high"), e.getMessage());
	}

	@Test
	void axesMustMatchTheImage() {
		Img<FloatType> img = ArrayImgs.floats(4, 4, 3);
		var e = assertThrows(IllegalArgumentException.class, () -> ImageTensors.toTensor(img, ImageAxes.XY, new Normalization.None()));
		assertTrue(e.getMessage().contains("3 dimensions"), e.getMessage());
	}

	@Test
	void mapsBecomeOnePlanePerImage() {
		FloatTensor maps = new FloatTensor(new long[] { 2, 2, 3 }, new float[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 });
		Img<FloatType> img = ImageTensors.toImage(maps);
		assertArrayEquals(new long[] { 3, 2, 2 }, img.dimensionsAsLongArray());
		assertEquals(10, img.getAt(1, 1, 1).get(), 0); // map 1, y=1, x=1
	}
}
