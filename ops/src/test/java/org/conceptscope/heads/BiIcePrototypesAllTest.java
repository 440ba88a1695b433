package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * Train Interpretable Head's prototype search over every concept of a Bi-ICE head
 * ({@link HeadPrototypes#all}: the interaction, three rounds of binding, run once per image for all
 * concepts, where the concept-by-concept search ran it once per concept and image) gives, record for
 * record, the concept-by-concept search ({@link HeadPrototypes#top}) and the definition written here
 * from each concept's maps ({@link BiIce#unitMaps}): per image the map's mean (the activation) and its
 * first largest cell; the images with a positive mean, larger first, the earlier image first among
 * equal ones, at most {@code count}. A map that is not square and two equal images (ties) are in it;
 * a head of another kind (its maps unit by unit) gives the same records. Progress is per image and a
 * cancel stops the search.
 */
class BiIcePrototypesAllTest {

	static final int N = 12, H = 2, W = 3, C = 6, D = 4, K = 5;

	static BiIce head() {
		Map<String, FloatTensor> weights = BiIceGraph.initialWeights(C, D, K, 3, new SplittableRandom(5));
		return BiIce.of(weights, "features", H, W, 3);
	}

	static FloatTensor features() {
		java.util.Random r = new java.util.Random(13);
		FloatTensor f = FloatTensor.zeros(N, H, W, C);
		float[] x = f.data();
		for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
		int per = H * W * C;
		System.arraycopy(x, 2 * per, x, 7 * per, per); // image 7 is image 2: equal activations for every concept
		return f;
	}

	/** The definition, from each concept's maps. */
	static List<List<HeadPrototypes.Prototype>> definition(BiIce head, FloatTensor f, int count) {
		List<List<HeadPrototypes.Prototype>> out = new ArrayList<>();
		for (int m = 0; m < K; m++) {
			float[] maps = head.unitMaps(f, m).data();
			List<HeadPrototypes.Prototype> sorted = new ArrayList<>();
			for (int i = 0; i < N; i++) {
				double sum = 0;
				int arg = 0;
				for (int s = 0; s < H * W; s++) {
					sum += maps[i * H * W + s];
					if (maps[i * H * W + s] > maps[i * H * W + arg]) arg = s;
				}
				double mean = sum / (H * W);
				if (!(mean > 0)) continue;
				int at = 0; // larger first; among equal ones the earlier image (insertion sort, written out)
				while (at < sorted.size() && sorted.get(at).response() >= mean) at++;
				sorted.add(at, new HeadPrototypes.Prototype(i, arg / W, arg % W, mean));
			}
			out.add(sorted.subList(0, Math.min(count, sorted.size())));
		}
		return out;
	}

	@Test
	void everyConceptsPrototypesAreTheDefinitionsAndTheConceptByConceptSearchs() {
		BiIce head = head();
		FloatTensor f = features();
		InterpretableHead other = otherKind(head);
		double[][] act = head.activations(f);
		boolean sawTie = false, sawFull = false;
		for (int count : new int[] { 0, 1, 4, N + 3 }) {
			List<List<HeadPrototypes.Prototype>> got = HeadPrototypes.all(head, f, count, Progress.NONE), want = definition(head, f, count);
			assertEquals(K, got.size());
			assertEquals(got, HeadPrototypes.all(other, f, count, Progress.NONE), "a head of another kind, its maps unit by unit, count " + count);
			for (int m = 0; m < K; m++) {
				assertEquals(want.get(m), got.get(m), "concept " + m + ", count " + count);
				assertEquals(HeadPrototypes.top(head, f, m, count), got.get(m), "the concept-by-concept search, concept " + m + ", count " + count);
				for (HeadPrototypes.Prototype p : got.get(m)) {
					assertEquals(act[p.image()][m], p.response(), 1e-5 * Math.max(1, act[p.image()][m]), "the response is the activation");
				}
				List<Integer> images = got.get(m).stream().map(HeadPrototypes.Prototype::image).toList();
				sawTie |= images.contains(2) && images.contains(7);
				sawFull |= count > 0 && got.get(m).size() == count;
			}
		}
		assertTrue(sawTie && sawFull, "ties " + sawTie + ", a full list " + sawFull);
	}

	@Test
	void progressIsPerImageAndACancelStops() {
		BiIce head = head();
		FloatTensor f = features();
		List<long[]> reports = new ArrayList<>();
		HeadPrototypes.all(head, f, 2, (done, total, message) -> reports.add(new long[] { done, total }) || true);
		assertEquals(N, reports.size());
		for (int i = 0; i < N; i++) assertArrayEquals(new long[] { i, N }, reports.get(i));
		int[] calls = { 0 };
		assertThrows(CancellationException.class, () -> HeadPrototypes.all(head, f, 2, (done, total, message) -> ++calls[0] < 3));
		assertEquals(3, calls[0], "the search stopped at the cancel");
	}

	/** The head behind an interface of its own: the search knows it by no kind, so it reads its maps unit by unit. */
	static InterpretableHead otherKind(BiIce b) {
		return new InterpretableHead() {
			public String kind() { return "other"; }
			public String unitName() { return b.unitName(); }
			public String layer() { return b.layer(); }
			public int[] featureShape() { return b.featureShape(); }
			public int units() { return b.units(); }
			public String unitLayer() { return b.unitLayer(); }
			public int numClasses() { return b.numClasses(); }
			public double[][] logits(FloatTensor features) { return b.logits(features); }
			public double[] contributions(FloatTensor features, int image, int target) { return b.contributions(features, image, target); }
			public FloatTensor unitMaps(FloatTensor features, int unit) { return b.unitMaps(features, unit); }
			public double imageResponse(float[] values, int from, int stride, int cells) { return b.imageResponse(values, from, stride, cells); }
			public double[][] classWeights() { return b.classWeights(); }
			public double[] featureDirection(int unit) { return b.featureDirection(unit); }
			public void save(Path dir, List<String> classNames, String backbone, Map<String, Object> metadata) {
				throw new UnsupportedOperationException();
			}
		};
	}
}
