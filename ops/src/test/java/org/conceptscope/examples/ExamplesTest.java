package org.conceptscope.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FeatureColumns;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nearest examples and prototypes in the latent space of the known-answer model, whose layer
 * conv2/relu is the image itself (identity convolutions, ReLU of non-negative pixels): latent
 * distances are pixel distances, computed here without the model.
 */
class ExamplesTest {

	static TensorFlowClassifier model;

	@BeforeAll
	static void load() {
		model = TensorFlowClassifier.load(BundledModels.dir("known-answer"));
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static FloatTensor noise(int n, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, 32, 32, 1);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	@Test
	void nearestExamplesAreThePixelNearest() {
		FloatTensor training = noise(30, 1);
		// each case: a training image plus a little noise, so its nearest example is known
		int[] sources = { 7, 21, 3 };
		FloatTensor cases = training.rows(sources);
		Random r = new Random(2);
		for (int i = 0; i < cases.size(); i++) cases.data()[i] += 0.01f * r.nextFloat();
		LatentSpace space = new LatentSpace(model, "conv2/relu");
		List<NearestExamples.Neighbours> found = new NearestExamples(5).find(space.project(cases), space.project(training));
		for (int c = 0; c < sources.length; c++) {
			NearestExamples.Neighbours nb = found.get(c);
			assertEquals(sources[c], nb.indices()[0]);
			double[] pixel = new double[30];
			for (int j = 0; j < 30; j++) {
				double s = 0;
				for (int p = 0; p < 1024; p++) {
					double d = cases.data()[c * 1024 + p] - training.data()[j * 1024 + p];
					s += d * d;
				}
				pixel[j] = Math.sqrt(s);
			}
			for (int q = 0; q < 5; q++) {
				assertEquals(pixel[nb.indices()[q]], nb.distances()[q], 1e-4);
				if (q > 0) assertTrue(nb.distances()[q] >= nb.distances()[q - 1]);
			}
			double fifth = nb.distances()[4];
			int closer = 0;
			for (double d : pixel) if (d < fifth - 1e-6) closer++;
			assertTrue(closer <= 4, "an example nearer than the fifth was left out");
		}
	}

	/**
	 * Three tight clusters of 25, 20 and 15 images around distinct centres, with a kernel narrow
	 * enough that clusters do not see each other: the mixture (5/12, 4/12, 3/12) is best summarised
	 * by one prototype per cluster (MMD^2 about (1/12)^2 + (1/12)^2 against (1/4)^2 + (1/4)^2 for two
	 * in the largest), and the largest cluster's comes first.
	 */
	@Test
	void prototypesCoverThePlantedClusters() {
		int[] sizes = { 25, 20, 15 };
		FloatTensor centres = noise(3, 5);
		FloatTensor images = FloatTensor.zeros(60, 32, 32, 1);
		int[] cluster = new int[60];
		Random r = new Random(6);
		int i = 0;
		for (int c = 0; c < 3; c++) {
			for (int s = 0; s < sizes[c]; s++, i++) {
				cluster[i] = c;
				for (int p = 0; p < 1024; p++) images.data()[i * 1024 + p] = centres.data()[c * 1024 + p] + 0.05f * (r.nextFloat() - 0.5f);
			}
		}
		FloatTensor latent = new LatentSpace(model, "conv2/relu").project(images);
		Prototypes.Selection sel = new Prototypes(3, 0.1).select(latent);
		Set<Integer> covered = new HashSet<>();
		for (int idx : sel.indices()) covered.add(cluster[idx]);
		assertEquals(Set.of(0, 1, 2), covered);
		assertEquals(0, cluster[sel.indices()[0]], "the largest cluster's prototype comes first");
		// the greedy bookkeeping gives F(S) as its definition does
		double[][] d2 = LatentSpace.squaredDistances(latent, latent);
		double[][] k = new double[60][60];
		for (int a = 0; a < 60; a++) for (int b = 0; b < 60; b++) k[a][b] = Math.exp(-sel.gamma() * d2[a][b]);
		for (int s = 1; s <= 3; s++) {
			assertEquals(Prototypes.objective(k, java.util.Arrays.copyOf(sel.indices(), s)), sel.objective()[s - 1], 1e-9);
		}
		// per class: each class's prototypes are its own examples
		List<Prototypes.Selection> perClass = new Prototypes(2, 0).perClass(latent, cluster, 3);
		assertEquals(1 / median(d2), new Prototypes(1, 0).select(latent).gamma(), 1e-12);
		for (int c = 0; c < 3; c++) {
			assertEquals(2, perClass.get(c).indices().length);
			for (int idx : perClass.get(c).indices()) assertEquals(c, cluster[idx]);
		}
	}

	static double median(double[][] d2) {
		java.util.List<Double> v = new java.util.ArrayList<>();
		for (int a = 0; a < d2.length; a++) for (int b = a + 1; b < d2.length; b++) v.add(d2[a][b]);
		java.util.Collections.sort(v);
		return v.get(v.size() / 2);
	}

	@Test
	void badInputsAreOneSentence() {
		IllegalArgumentException layer = assertThrows(IllegalArgumentException.class, () -> new LatentSpace(model, "nope"));
		assertTrue(layer.getMessage().startsWith("Unknown layer 'nope'"), layer.getMessage());
		assertThrows(IllegalArgumentException.class, () -> new NearestExamples(0));
		assertArrayEquals(new int[] { 0 }, new NearestExamples(3).find(FloatTensor.zeros(1, 2), FloatTensor.zeros(1, 2)).get(0).indices());
	}

	/** The k nearest are a stable sort's first k (ties in training order), for k below, at and above the number of examples. */
	@Test
	void neighboursAreTheStablySortedFirst() {
		Random r = new Random(15);
		for (int k : new int[] { 1, 3, 8, 20 }) {
			double[][] d2 = new double[30][8];
			for (double[] row : d2) for (int j = 0; j < row.length; j++) row[j] = r.nextInt(4) == 0 ? Double.NaN : r.nextInt(5);
			List<NearestExamples.Neighbours> got = new NearestExamples(k).neighbours(d2);
			for (int c = 0; c < d2.length; c++) {
				double[] row = d2[c];
				Integer[] order = new Integer[row.length];
				for (int j = 0; j < row.length; j++) order[j] = j;
				java.util.Arrays.sort(order, (a, b) -> Double.compare(row[a], row[b]));
				int kk = Math.min(k, row.length);
				assertEquals(kk, got.get(c).indices().length);
				for (int q = 0; q < kk; q++) {
					assertEquals(order[q], got.get(c).indices()[q], "k " + k + ", case " + c + ", rank " + q);
					assertEquals(Double.doubleToLongBits(Math.sqrt(row[order[q]])), Double.doubleToLongBits(got.get(c).distances()[q]));
				}
			}
		}
	}

	/** The median heuristic's partition search gives what sorting puts at each rank, duplicates, zeros of both signs and NaN included. */
	@Test
	void kthByPartitionIsTheSortedOne() {
		Random r = new Random(14);
		for (int len : new int[] { 1, 2, 3, 10, 2016 }) {
			for (int trial = 0; trial < 20; trial++) {
				double[] v = new double[len];
				for (int i = 0; i < len; i++) {
					int kind = r.nextInt(10);
					v[i] = kind == 0 ? 0.0 : kind == 1 ? -0.0 : kind == 2 ? Double.NaN : kind < 5 ? r.nextInt(3) : r.nextGaussian();
				}
				double[] sorted = v.clone();
				java.util.Arrays.sort(sorted);
				for (int k : new int[] { 0, len / 2, len - 1, r.nextInt(len) }) {
					assertEquals(Double.doubleToLongBits(sorted[k]), Double.doubleToLongBits(Prototypes.kth(v.clone(), k)), len + " values, rank " + k);
				}
			}
		}
	}

	@Test
	void pairwiseDistancesComputedOnceAndMirroredAreTheFullMatrixToTheBit() {
		Random r = new Random(12);
		for (int n : new int[] { 1, 2, 7, 64 }) {
			FloatTensor x = FloatTensor.zeros(n, 37);
			for (int i = 0; i < x.size(); i++) x.data()[i] = (float) (r.nextGaussian() * 5);
			double[][] want = LatentSpace.squaredDistances(x, x), got = LatentSpace.squaredDistances(x);
			for (int i = 0; i < n; i++) assertArrayEquals(want[i], got[i], 0.0, n + " points, row " + i);
		}
	}

	/**
	 * The distances, made by feature for groups of points on several threads, are to the bit the squared distance of each
	 * pair computed alone: differences, squares and sums in double, the sum in index order (each square added with one
	 * rounding where the JVM has fused multiply-add, as {@link FeatureColumns#FUSED} says).
	 */
	@Test
	void distancesByFeatureAreEachPairAloneToTheBit() {
		Random r = new Random(13);
		for (int[] size : new int[][] { { 1, 1, 5 }, { 3, 2, 1 }, { 5, 4, 37 }, { 6, 7, 64 }, { 16, 65, 256 } }) {
			int n = size[0], m = size[1], d = size[2];
			FloatTensor a = FloatTensor.zeros(n, d), b = FloatTensor.zeros(m, d);
			for (int i = 0; i < a.size(); i++) a.data()[i] = (float) Math.max(0, r.nextGaussian() * 3);
			for (int i = 0; i < b.size(); i++) b.data()[i] = (float) Math.max(0, r.nextGaussian() * 3);
			double[][] cross = LatentSpace.squaredDistances(a, b), self = LatentSpace.squaredDistances(b);
			for (int i = 0; i < n; i++) {
				for (int j = 0; j < m; j++) {
					double alone = 0;
					for (int k = 0; k < d; k++) {
						double diff = (double) a.data()[i * d + k] - b.data()[j * d + k];
						alone = FeatureColumns.FUSED ? Math.fma(diff, diff, alone) : alone + diff * diff;
					}
					assertEquals(alone, cross[i][j], 0.0, n + "x" + m + "x" + d + ", pair " + i + ", " + j);
				}
			}
			for (int i = 0; i < m; i++) {
				for (int j = 0; j < m; j++) {
					double alone = 0;
					for (int k = 0; k < d; k++) {
						double diff = (double) b.data()[i * d + k] - b.data()[j * d + k];
						alone = FeatureColumns.FUSED ? Math.fma(diff, diff, alone) : alone + diff * diff;
					}
					assertEquals(alone, self[i][j], 0.0, m + " points of " + d + ", pair " + i + ", " + j);
				}
			}
		}
	}
}
