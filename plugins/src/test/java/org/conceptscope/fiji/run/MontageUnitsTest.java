package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The prototype montage of Train Interpretable Head shows at most {@link HeadTrainingRun#MONTAGE_UNITS}
 * rows: on a wide layer (2048 parts) one row per part made it some 160000 pixels tall. The rows kept
 * are the parts with the largest weight to a class, in unit order; a head with fewer parts shows all.
 */
class MontageUnitsTest {

	@Test
	void aWideHeadShowsItsStrongestPartsAndANarrowOneAllOfThem() {
		assertEquals(64, HeadTrainingRun.MONTAGE_UNITS);
		int units = 2048, classes = 3;
		Random r = new Random(11);
		double[][] w = new double[units][classes];
		for (double[] row : w) for (int k = 0; k < classes; k++) row[k] = 0.01 * r.nextDouble(); // all below 0.01
		// 64 planted parts, each strong for one class only, at known indices
		boolean[] planted = new boolean[units];
		for (int i = 0; i < 64; i++) {
			int u = (i * 37 + 5) % units;
			planted[u] = true;
			w[u][i % classes] = 0.5 + i;
		}
		assertArrayEquals(planted, HeadTrainingRun.montageUnits(w, 64), "the 64 parts with the largest weight to a class");
		// equal weights: the lower indices
		double[][] flat = new double[100][2];
		boolean[] first = new boolean[100];
		for (int u = 0; u < 64; u++) first[u] = true;
		assertArrayEquals(first, HeadTrainingRun.montageUnits(flat, 64), "ties go to the lower index");
		// a narrow head: every part, as before
		double[][] narrow = new double[10][2];
		boolean[] all = new boolean[10];
		java.util.Arrays.fill(all, true);
		assertArrayEquals(all, HeadTrainingRun.montageUnits(narrow, 64));
	}
}
