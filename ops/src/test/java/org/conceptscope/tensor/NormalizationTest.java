package org.conceptscope.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The normalisation kinds bioimage.io preprocessing needs: values by hand, and text that parses back. */
class NormalizationTest {

	@Test
	void clipScaleLinearAndBinarize() {
		float[] v = { -2, 0.5f, 3 };
		new Normalization.Clip(0, 1).apply(v, 1, Double.NaN);
		assertArrayEquals(new float[] { 0, 0.5f, 1 }, v, 0f);
		float[] rgb = { 1, 1, 1, 2, 2, 2 };
		new Normalization.ScaleLinear(new double[] { 1, 2, 3 }, new double[] { 0, 0, -1 }).apply(rgb, 3, Double.NaN);
		assertArrayEquals(new float[] { 1, 2, 2, 2, 4, 5 }, rgb, 0f);
		float[] b = { 0.2f, 0.7f };
		new Normalization.Binarize(0.5).apply(b, 1, Double.NaN);
		assertArrayEquals(new float[] { 0, 1 }, b, 0f);
		assertThrows(IllegalArgumentException.class, () -> new Normalization.ScaleLinear(new double[] { 1, 2 }, new double[] { 0 })
			.apply(new float[3], 3, Double.NaN), "2 gains for 3 channels");
	}

	@Test
	void jointUsesStatisticsOverAllChannels() {
		float[] perChannel = { 0, 10, 1, 20 }, joint = perChannel.clone();
		new Normalization.Percentile(0, 100).apply(perChannel, 2, Double.NaN);
		assertArrayEquals(new float[] { 0, 0, 1, 1 }, perChannel, 1e-6f);
		new Normalization.Joint(new Normalization.Percentile(0, 100)).apply(joint, 2, Double.NaN);
		assertArrayEquals(new float[] { 0, 0.5f, 0.05f, 1 }, joint, 1e-6f);
	}

	@Test
	void stepsRunInOrderAndOnlyTheFirstSeesTheTypeRange() {
		Normalization n = new Normalization.Steps(List.of(new Normalization.UnitRange(), new Normalization.Affine(0.5, 0.5)));
		float[] v = { 0, 255 };
		n.apply(v, 1, 255);
		assertArrayEquals(new float[] { -1, 1 }, v, 1e-6f);
	}

	/**
	 * bioimage.io's ensure_dtype to an integer type, as numpy's astype (which bioimageio.core runs) gives it:
	 * the fraction cut towards zero, then wrapped modulo 2^bits (numpy: np.array([...]).astype(np.uint8)).
	 */
	@Test
	void aCastCutsTheFractionAndWrapsAsNumpyDoes() {
		float[] v = { 0, 12.9f, 255.7f, 256, 300.5f, -1, -0.5f, 65535, Float.NaN };
		new Normalization.Cast("uint8").apply(v, 1, 255);
		assertArrayEquals(new float[] { 0, 12, 255, 0, 44, 255, 0, 255, 0 }, v, 0f);
		float[] s = { 127.9f, 128, -128.9f, -129, 40000 };
		new Normalization.Cast("int8").apply(s, 1, Double.NaN);
		assertArrayEquals(new float[] { 127, -128, -128, 127, 64 }, s, 0f);
		float[] u16 = { 65535.5f, 65536, -2, 70000.25f };
		new Normalization.Cast("uint16").apply(u16, 1, Double.NaN);
		assertArrayEquals(new float[] { 65535, 0, 65534, 4464 }, u16, 0f);
		float[] b = { 0, -0f, 0.1f, -3, Float.NaN };
		new Normalization.Cast("bool").apply(b, 1, Double.NaN);
		assertArrayEquals(new float[] { 0, 0, 1, 1, 1 }, b, 0f);
		assertThrows(IllegalArgumentException.class, () -> new Normalization.Cast("float16"));
	}

	@Test
	void everyKindParsesBackFromItsDescription() {
		for (Normalization n : List.of(new Normalization.Clip(0, 1), new Normalization.Binarize(0.25),
			// a one-sided clip (bioimage.io's Clip with min or max only) has an infinite open end
			new Normalization.Clip(0, Double.POSITIVE_INFINITY), new Normalization.Clip(Double.NEGATIVE_INFINITY, 1),
			new Normalization.ScaleLinear(new double[] { 0.5 }, new double[] { -1 }),
			new Normalization.ScaleLinear(new double[] { 1, 2, 3 }, new double[] { 0.1, 0.2, 0.3 }),
			new Normalization.Joint(new Normalization.ZeroMeanUnitVariance()),
			new Normalization.Steps(List.of(new Normalization.Joint(new Normalization.Percentile(1, 99.8)), new Normalization.Clip(0, 1))))) {
			assertEquals(n, Normalization.parse(n.describe()), n.describe());
		}
		for (String dtype : List.of("uint8", "int16", "bool")) {
			Normalization n = new Normalization.Steps(List.of(new Normalization.Cast(dtype), new Normalization.Clip(0, 1)));
			assertEquals(n, Normalization.parse(n.describe()), n.describe());
		}
		assertThrows(IllegalArgumentException.class, () -> Normalization.parse("cast(int64)"));
		assertThrows(IllegalArgumentException.class, () -> Normalization.parse("clip(1)"));
		assertThrows(IllegalArgumentException.class, () -> Normalization.parse("joint(none; clip(0,1))"));
	}

	/** The fixed line of composed steps is the one apply() draws: checked at two values per channel. */
	@Test
	void fixedLineComposesTheStepsAsApplyDoes() {
		Normalization n = Normalization.parse("scale_linear(0.00392156862745098,0); clip(0,1); scale_linear(2|4,-1|0); affine(1,0.5)");
		for (int c = 0; c < 2; c++) {
			double[] line = Normalization.fixedLine(n, c);
			float[] v = { 0, 0, 100, 100 };
			n.apply(v, 2, Double.NaN);
			assertEquals(v[c], line[1], 1e-6, "channel " + c + " at 0");
			assertEquals(v[2 + c], line[0] * 100 + line[1], 1e-6, "channel " + c + " at 100 (inside the clip)");
		}
		assertArrayEquals(new double[] { 1, 0 }, Normalization.fixedLine(new Normalization.Clip(0, 1), 0), "a clip alone scales nothing");
		assertEquals(null, Normalization.fixedLine(new Normalization.UnitRange(), 0), "the type's maximum is the image's");
		assertEquals(null, Normalization.fixedLine(Normalization.parse("scale_linear(0.5,0); percentile(1,99)"), 0), "statistics per image");
		assertEquals(null, Normalization.fixedLine(Normalization.parse("cast(uint8)"), 0), "a cast wraps");
		assertEquals(null, Normalization.fixedLine(Normalization.parse("scale_linear(1|2,0)"), 2), "no gain for a third channel");
	}
}
