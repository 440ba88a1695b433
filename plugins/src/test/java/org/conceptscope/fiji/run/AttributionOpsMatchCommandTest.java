package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
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

import org.conceptscope.fiji.TestFiles;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.ops.OpImages;
import org.conceptscope.ops.OpIndex;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * Every method the Attribution command offers is a SciJava Op in the ops index of the ops jar
 * ({@code explain.attribution.<method>}), and that op, called with only model, image and target
 * (every optional input left out, as a script would), computes what the command computes with its
 * defaults: the ops take the commands' defaults.
 */
class AttributionOpsMatchCommandTest {

	@Test
	void everyCommandMethodIsAnOpWithTheCommandDefaults() throws Exception {
		URL yaml = getClass().getClassLoader().getResource(OpIndex.RESOURCE);
		assertTrue(yaml != null, "the ops jar carries " + OpIndex.RESOURCE);
		Map<String, OpIndex.Op> ops = OpIndex.read(yaml).stream().collect(Collectors.toMap(OpIndex.Op::name, Function.identity()));
		Img<UnsignedByteType> image = ArrayImgs.unsignedBytes(32, 32);
		Random r = new Random(11);
		for (Cursor<UnsignedByteType> c = image.localizingCursor(); c.hasNext();) {
			c.fwd();
			boolean r1 = c.getIntPosition(0) >= 18 && c.getIntPosition(0) < 26 && c.getIntPosition(1) >= 20 && c.getIntPosition(1) < 28;
			c.get().set(r.nextInt(20) + (r1 ? 220 : 0));
		}
		try (Classifier model = Classifiers.open(TestFiles.testImages().resolve("models").resolve("known-answer"))) {
			FloatTensor x = OpImages.read(model, image).tensor();
			for (String method : AttributionMethods.NAMES) {
				OpIndex.Op op = ops.get("explain.attribution." + method);
				assertTrue(op != null, "no op explain.attribution." + method + " in " + ops.keySet());
				float[] command = AttributionMethods.create(new AttributionSettings().method(method)).explain(model, x, new int[] { 1 }, Progress.NONE)
					.maps().data();
				assertArrayEquals(command, data(op.call(model, image, 1)), method + ": op defaults = command defaults");
			}
		}
	}

	/**
	 * Every metric of Evaluate Explanation that scores a map is an op {@code explain.metrics.<metric>};
	 * the sanity check and MeGe/ReCo, which retrain or randomise a model, are not ops yet.
	 */
	@Test
	void everyMapMetricIsAnOp() throws Exception {
		java.util.Set<String> names = new java.util.HashSet<>();
		OpIndex.read(getClass().getClassLoader().getResource(OpIndex.RESOURCE)).forEach(o -> names.addAll(o.names()));
		for (String metric : EvaluationSettings.METRICS) {
			if (metric.equals("sanity") || metric.equals(EvaluationSettings.MEGE_RECO)) continue;
			assertTrue(names.contains("explain.metrics." + metric), "no op explain.metrics." + metric);
		}
	}

	private static float[] data(Object map) {
		@SuppressWarnings("unchecked")
		RandomAccessibleInterval<FloatType> m = (RandomAccessibleInterval<FloatType>) map;
		int w = (int) m.dimension(0), h = (int) m.dimension(1);
		float[] out = new float[w * h];
		RandomAccess<FloatType> ra = m.randomAccess();
		for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) out[y * w + x] = ra.setPositionAndGet(x, y).get();
		return out;
	}
}
