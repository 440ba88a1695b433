package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * Train Interpretable Head's prototype search over every part of an InfoDisent head
 * ({@link HeadPrototypes#all}: each position projected once through Q, all parts kept in one pass
 * over the images) gives, value for value, the prototypes of the definition: per part and image,
 * the map (the feature vector's product with the part's column of Q, summed over the channels in
 * increasing order, as a float), its first largest cell and its largest value; the images with a
 * positive response, larger first, the earlier image first among equal ones, at most {@code count}.
 * More channels than one block of parts ({@link InfoDisent#IMAGE_MAPS_BLOCK}), a map that is not
 * square, and two equal images (ties) are in it. Progress is reported per image and a cancel stops it.
 */
class HeadPrototypesAllTest {

	static final int N = 12, H = 2, W = 3, C = InfoDisent.IMAGE_MAPS_BLOCK + 7;

	static FloatTensor features() {
		java.util.Random r = new java.util.Random(11);
		FloatTensor f = FloatTensor.zeros(N, H, W, C);
		float[] x = f.data();
		for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
		int per = H * W * C;
		System.arraycopy(x, 2 * per, x, 7 * per, per); // image 7 is image 2: equal responses in every part
		return f;
	}

	/** The definition, from the head's Q alone. */
	static List<List<HeadPrototypes.Prototype>> definition(double[][] q, FloatTensor f, int count) {
		float[] x = f.data();
		List<List<HeadPrototypes.Prototype>> out = new ArrayList<>();
		for (int j = 0; j < C; j++) {
			List<HeadPrototypes.Prototype> all = new ArrayList<>();
			for (int i = 0; i < N; i++) {
				float[] map = new float[H * W];
				for (int s = 0; s < H * W; s++) {
					double v = 0;
					for (int m = 0; m < C; m++) v += x[(i * H * W + s) * C + m] * q[m][j];
					map[s] = (float) v;
				}
				int arg = 0;
				for (int s = 1; s < H * W; s++) if (map[s] > map[arg]) arg = s;
				if (map[arg] > 0) all.add(new HeadPrototypes.Prototype(i, arg / W, arg % W, map[arg]));
			}
			// larger response first; among equal ones the earlier image (insertion sort, written out)
			List<HeadPrototypes.Prototype> sorted = new ArrayList<>();
			for (HeadPrototypes.Prototype p : all) {
				int at = 0;
				while (at < sorted.size() && sorted.get(at).response() >= p.response()) at++;
				sorted.add(at, p);
			}
			out.add(sorted.subList(0, Math.min(count, sorted.size())));
		}
		return out;
	}

	@Test
	void everyPartsPrototypesAreTheDefinitionsAndTheUnitByUnitSearchs() {
		FloatTensor f = features();
		int[] labels = new int[N];
		for (int i = 0; i < N; i++) labels[i] = i % 2;
		InfoDisent head = InfoDisent.train(f, "features", labels, 2, new TrainingOptions(3, 6, 0.05, 5), Progress.NONE);
		double[][] q = head.projection();
		assertTrue(Math.abs(q[0][1]) > 1e-4 && Math.abs(q[C - 1][3]) > 1e-4, "a rotation away from the identity: " + q[0][1] + ", " + q[C - 1][3]);
		boolean sawTie = false, sawFull = false, sawShort = false;
		for (int count : new int[] { 0, 1, 4, N + 3 }) {
			List<List<HeadPrototypes.Prototype>> got = HeadPrototypes.all(head, f, count, Progress.NONE), want = definition(q, f, count);
			assertEquals(C, got.size());
			for (int j = 0; j < C; j++) {
				assertEquals(want.get(j), got.get(j), "part " + j + ", count " + count);
				assertEquals(HeadPrototypes.top(head, f, j, count), got.get(j), "the unit-by-unit search, part " + j + ", count " + count);
				List<Integer> images = got.get(j).stream().map(HeadPrototypes.Prototype::image).toList();
				sawTie |= images.contains(2) && images.contains(7);
				sawFull |= count > 0 && got.get(j).size() == count;
				sawShort |= got.get(j).size() < count;
			}
		}
		assertTrue(sawTie && sawFull && sawShort, "ties " + sawTie + ", a full list " + sawFull + ", a part with fewer positive images " + sawShort);
	}

	@Test
	void progressIsPerImageAndACancelStops() {
		FloatTensor f = features();
		int[] labels = new int[N];
		for (int i = 0; i < N; i++) labels[i] = i % 2;
		InfoDisent head = InfoDisent.train(f, "features", labels, 2, new TrainingOptions(1, 6, 0.05, 5), Progress.NONE);
		List<long[]> reports = new ArrayList<>();
		HeadPrototypes.all(head, f, 2, (done, total, message) -> reports.add(new long[] { done, total }) || true);
		assertEquals(N, reports.size());
		for (int i = 0; i < N; i++) org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] { i, N }, reports.get(i));
		int[] calls = { 0 };
		assertThrows(CancellationException.class, () -> HeadPrototypes.all(head, f, 2, (done, total, message) -> ++calls[0] < 3));
		assertEquals(3, calls[0], "the search stopped at the cancel");
	}
}
