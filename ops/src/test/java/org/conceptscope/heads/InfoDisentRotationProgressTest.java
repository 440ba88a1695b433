package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * The Java rotation Q after InfoDisent training (5 + s + 2 products of c x c matrices, minutes at c = 2048)
 * reports progress per block of rows of each matrix product and can be cancelled, as the project's
 * other long loops: the values are bit for bit those computed without a listener, progress rises
 * to its total (products x blocks), and a cancel throws the project's CancellationException.
 */
class InfoDisentRotationProgressTest {

	/** A skew variable of c channels whose norm needs squarings (seeded). */
	private static Map<String, FloatTensor> weights(int c) {
		SplittableRandom r = new SplittableRandom(24);
		FloatTensor w = FloatTensor.zeros(c, c);
		for (int i = 0; i < w.size(); i++) w.data()[i] = (float) (r.nextDouble() * 2 - 1);
		return Map.of("skew", w);
	}

	private record Report(long done, long total, String message) {}

	@Test
	void sameQWithProgressRisingToItsTotal() {
		int c = 130; // three blocks of rows, the last one partial
		Map<String, FloatTensor> weights = weights(c);
		double norm2 = 0, scale = InfoDisentGraph.skewScale(c);
		float[] raw = weights.get("skew").data();
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) norm2 += Math.pow(((double) raw[i * c + j] - raw[j * c + i]) * scale, 2);
		int s = InfoDisentGraph.squarings(Math.sqrt(norm2));
		assertTrue(s >= 2, "the test's skew part needs squarings: " + s);

		double[][] plain = InfoDisentGraph.projection(weights, c);
		List<Report> reports = new ArrayList<>();
		double[][] reported = InfoDisentGraph.projection(weights, c, (done, total, message) -> reports.add(new Report(done, total, message)));
		for (int i = 0; i < c; i++) assertArrayEquals(plain[i], reported[i], 0.0, "row " + i + " bit for bit");

		long blocks = (c + InfoDisentGraph.ROW_BLOCK - 1) / InfoDisentGraph.ROW_BLOCK, expected = (long) (5 + s + 2) * blocks;
		assertEquals(3, blocks);
		// the products done: B^2, B^3, B^4 and two by B^4 (Paterson-Stockmeyer, degree 12), s squarings, Newton-Schulz's two
		assertEquals(5 + s + 2, InfoDisentGraph.products(s));
		assertEquals(expected + 1, reports.size(), "one report per block of rows of every product, and one at the end");
		for (int i = 0; i < reports.size(); i++) {
			assertEquals(expected, reports.get(i).total());
			assertEquals(i, reports.get(i).done(), "progress rises by one block at a time");
		}
		assertEquals(expected, reports.get(reports.size() - 1).done(), "progress reaches its total");
		assertTrue(reports.get(0).message().contains("product 1 of " + (expected / blocks)), reports.get(0).message());

		// Q is orthogonal (the values are the exponential's, not just equal to each other)
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) {
			double dot = 0;
			for (int k = 0; k < c; k++) dot += reported[k][i] * reported[k][j];
			assertEquals(i == j ? 1 : 0, dot, 1e-9);
		}
	}

	@Test
	void cancelStopsTheProducts() {
		int c = 130;
		List<Long> seen = new ArrayList<>();
		Progress cancelAtFive = (done, total, message) -> {
			seen.add(done);
			return done < 5;
		};
		CancellationException e = assertThrows(CancellationException.class, () -> InfoDisentGraph.projection(weights(c), c, cancelAtFive));
		assertTrue(e.getMessage().contains("rotation"), e.getMessage());
		assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), seen, "no block after the cancel");
	}

	/** Training's progress goes on into the Java Q, and a cancel there stops training's result. */
	@Test
	void trainingReportsAndCancelsTheRotation() {
		int n = 8, c = 6;
		FloatTensor f = FloatTensor.zeros(n, 2, 2, c);
		SplittableRandom r = new SplittableRandom(7);
		for (int i = 0; i < f.size(); i++) f.data()[i] = (float) r.nextDouble();
		int[] labels = { 0, 1, 0, 1, 0, 1, 0, 1 };
		TrainingOptions opt = new TrainingOptions(3, 4, 0.05, 1);
		List<String> messages = new ArrayList<>();
		InfoDisent.train(f, "features", labels, 2, opt, (done, total, message) -> messages.add(message));
		assertTrue(messages.stream().anyMatch(m -> m.startsWith("InfoDisent rotation Q")), messages.toString());
		assertThrows(CancellationException.class, () -> InfoDisent.train(f, "features", labels, 2, opt,
			(done, total, message) -> !message.startsWith("InfoDisent rotation Q")));
	}
}
