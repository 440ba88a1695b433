package org.conceptscope.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;

import net.imglib2.Cursor;
import net.imglib2.RandomAccess;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.MaskedImage;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.attribution.SobolAttribution;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every attribution op, found in the index and called through the method the index names (as an
 * engine calls it), on the known-answer model: logit k is the sum of the pixels in square R_k, so
 * on an 8-bit image whose R_1 is bright the evidence for class 1 is R_1. Near the evidence means
 * the pixels of the 4x4 cells touching R_1 (14 % of the image). Each map's mean near the evidence
 * must exceed its mean elsewhere by 3 standard deviations of the values elsewhere, and each map
 * must peak near the evidence; RISE is exempt from the peak, as its Monte Carlo noise is largest
 * at the border, where fewer shifted masks reach. EVA explains the margin logit_1 - logit_0,
 * which R_0 moves as much as R_1, so for EVA both squares count. VarGrad, the variance of the
 * gradient under noise, has its own known answer here: the gradient of this piecewise-linear model
 * does not change under the noise, so its map is 0 everywhere.
 */
class AttributionOpsKnownAnswerTest {

	static Map<String, OpIndex.Op> ops;
	static Classifier model;
	static Img<UnsignedByteType> image;

	@BeforeAll
	static void load() throws Exception {
		URL yaml = AttributionOpsKnownAnswerTest.class.getClassLoader().getResource(OpIndex.RESOURCE);
		ops = OpIndex.read(yaml).stream().collect(Collectors.toMap(OpIndex.Op::name, Function.identity()));
		model = (Classifier) ops.get("explain.model.open").call(BundledModels.dir("known-answer").toFile());
		image = evidenceImage(32, 32, 1, 3);
	}

	@AfterAll
	static void close() throws Exception {
		model.close();
	}

	/** R_1 = x 18..25, y 20..27 at 230 over faint noise (0..12), R_0 dark; planes are slices. */
	static Img<UnsignedByteType> evidenceImage(int w, int h, int slices, long seed) {
		Img<UnsignedByteType> img = slices == 1 ? ArrayImgs.unsignedBytes(w, h) : ArrayImgs.unsignedBytes(w, h, slices);
		Random r = new Random(seed);
		Cursor<UnsignedByteType> c = img.localizingCursor();
		while (c.hasNext()) {
			c.fwd();
			int x = c.getIntPosition(0), y = c.getIntPosition(1);
			boolean r1 = x >= 18 && x < 26 && y >= 20 && y < 28;
			c.get().set(r.nextInt(13) + (r1 ? 230 : 0));
		}
		return img;
	}

	static boolean nearEvidence(String op, int x, int y) {
		boolean near1 = x >= 16 && x < 28 && y >= 20 && y < 28;
		boolean near0 = x >= 4 && x < 12 && y >= 4 && y < 12;
		return near1 || (op.endsWith(".eva") && near0);
	}

	@Test
	void everyAttributionOpFindsTheEvidenceSquare() {
		List<String> names = ops.keySet().stream().filter(n -> n.startsWith("explain.attribution.")).sorted().toList();
		assertTrue(names.size() >= 18, names.toString());
		for (String name : names) {
			@SuppressWarnings("unchecked")
			RandomAccessibleInterval<FloatType> map = (RandomAccessibleInterval<FloatType>) ops.get(name).call(model, image, 1);
			assertArrayEquals(new long[] { 32, 32 }, map.dimensionsAsLongArray(), name + ": one 2D map for a 2D image");
			RandomAccess<FloatType> ra = map.randomAccess();
			if (name.endsWith(".vargrad")) {
				for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) assertEquals(0, ra.setPositionAndGet(x, y).get(), 1e-9, name);
				continue;
			}
			double near = 0, far = 0, farSquares = 0, max = Double.NEGATIVE_INFINITY;
			int nearCount = 0, argX = -1, argY = -1;
			for (int y = 0; y < 32; y++) {
				for (int x = 0; x < 32; x++) {
					double v = ra.setPositionAndGet(x, y).getRealDouble();
					assertTrue(Double.isFinite(v), name + " finite at " + x + "," + y);
					if (v > max) {
						max = v;
						argX = x;
						argY = y;
					}
					if (nearEvidence(name, x, y)) {
						near += v;
						nearCount++;
					} else {
						far += v;
						farSquares += v * v;
					}
				}
			}
			int farCount = 1024 - nearCount;
			double meanFar = far / farCount, sdFar = Math.sqrt(Math.max(farSquares / farCount - meanFar * meanFar, 1e-12));
			double contrast = (near / nearCount - meanFar) / sdFar;
			assertTrue(contrast >= 3, name + ": mean near the evidence only " + contrast + " standard deviations above the mean elsewhere");
			if (!name.endsWith(".rise")) {
				assertTrue(nearEvidence(name, argX, argY), name + " peaks at " + argX + "," + argY + ", away from the evidence");
			}
		}
	}

	/** The op runs the method class with the values given, and null inputs take the documented defaults. */
	@Test
	void opsRunTheMethodClassesWithTheirParameters() {
		FloatTensor x = OpImages.read(model, image).tensor();
		int[] t = { 1 };
		assertArrayEquals(new Saliency().explain(model, x, t, Progress.NONE).maps().data(),
			data(ops.get("explain.attribution.saliency").call(model, image, 1)));
		Attribution sobol = new SobolAttribution(4, 8, MaskedImage.blur(1.5), false, 3).explain(model, x, t, Progress.NONE);
		assertArrayEquals(sobol.maps().data(), data(ops.get("explain.attribution.sobol").call(model, image, 1, 4, 8, 1.5, 3L)));
		Attribution sobolDefaults = new SobolAttribution(8, 32, MaskedImage.constant(0), false, 42).explain(model, x, t, Progress.NONE);
		assertArrayEquals(sobolDefaults.maps().data(), data(ops.get("explain.attribution.sobol").call(model, image, 1)));
		// null target: the predicted class, which is class 1 for this image
		assertArrayEquals(data(ops.get("explain.attribution.occlusion").call(model, image, 1)),
			data(ops.get("explain.attribution.occlusion").call(model, image)));
	}

	@Test
	void aStackGivesOneMapPerSliceInTheSliceOrder() {
		Img<UnsignedByteType> stack = evidenceImage(32, 32, 2, 5);
		@SuppressWarnings("unchecked")
		RandomAccessibleInterval<FloatType> maps = (RandomAccessibleInterval<FloatType>) ops.get("explain.attribution.gradient_x_input")
			.call(model, stack, 0);
		assertArrayEquals(new long[] { 32, 32, 2 }, maps.dimensionsAsLongArray());
		// gradient x input for class 0 is the normalised pixel inside R_0, 0 elsewhere
		RandomAccess<FloatType> m = maps.randomAccess();
		RandomAccess<UnsignedByteType> s = stack.randomAccess();
		for (int z = 0; z < 2; z++) {
			for (int y = 0; y < 32; y++) {
				for (int xx = 0; xx < 32; xx++) {
					boolean r0 = xx >= 4 && xx < 12 && y >= 4 && y < 12;
					double expected = r0 ? s.setPositionAndGet(xx, y, z).get() / 255.0 : 0;
					assertEquals(expected, m.setPositionAndGet(xx, y, z).get(), 1e-5, "slice " + z + " at " + xx + "," + y);
				}
			}
		}
	}

	@Test
	void badInputsAreNamed() {
		OpIndex.Op saliency = ops.get("explain.attribution.saliency");
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> saliency.call(model, ArrayImgs.unsignedBytes(32, 32, 3, 2), 1));
		assertTrue(e.getMessage().contains("one channel"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> saliency.call(model, image, 7));
		assertTrue(e.getMessage().contains("Target class 7"), e.getMessage());
		RuntimeException r = assertThrows(RuntimeException.class, () -> ops.get("explain.model.open").call(new File("no/such/model")));
		assertTrue(r.getMessage().contains("does not exist"), r.getMessage());
	}

	private static float[] data(Object map) {
		@SuppressWarnings("unchecked")
		RandomAccessibleInterval<FloatType> m = (RandomAccessibleInterval<FloatType>) map;
		float[] out = new float[(int) (m.dimension(0) * m.dimension(1))];
		RandomAccess<FloatType> ra = m.randomAccess();
		for (int y = 0; y < m.dimension(1); y++) for (int x = 0; x < m.dimension(0); x++) out[(int) (y * m.dimension(0) + x)] = ra.setPositionAndGet(x, y).get();
		return out;
	}
}
