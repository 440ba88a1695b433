package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * {@link InterpretableHead#imageMaps} with a list of units (what Explain with Head shows): for a
 * Bi-ICE head of three rounds, an InfoDisent head and a head of another kind (the default, unit by
 * unit), {@code maps[s * units.length + q]} is {@code unitMaps(features, units[q])} of the image at
 * cell s, the same float, for units in any order, repeated, and a single one; a map that is not square.
 */
class HeadImageMapsTest {

	static void check(InterpretableHead head, FloatTensor f, int[] units) {
		int n = (int) f.dim(0), cells = head.featureShape()[0] * head.featureShape()[1];
		float[] maps = new float[cells * units.length];
		boolean nonZero = false;
		for (int i = 0; i < n; i++) {
			head.imageMaps(f, i, units, maps);
			for (int q = 0; q < units.length; q++) {
				float[] want = java.util.Arrays.copyOfRange(head.unitMaps(f, units[q]).data(), i * cells, (i + 1) * cells);
				float[] got = new float[cells];
				for (int s = 0; s < cells; s++) got[s] = maps[s * units.length + q];
				assertArrayEquals(want, got, head.kind() + " unit " + units[q] + ", image " + i);
				for (float v : want) nonZero |= v != 0;
			}
		}
		assertTrue(nonZero, "maps that could differ");
	}

	@Test
	void theListedUnitsMapsAreTheirUnitMaps() {
		BiIce biIce = BiIcePrototypesAllTest.head();
		FloatTensor f = BiIcePrototypesAllTest.features();
		for (int[] units : new int[][] { { 3, 0, 4 }, { 2 }, { 1, 1, 0, 2, 3, 4 } }) {
			check(biIce, f, units);
			check(BiIcePrototypesAllTest.otherKind(biIce), f, units);
		}
		int[] labels = new int[(int) f.dim(0)];
		for (int i = 0; i < labels.length; i++) labels[i] = i % 2;
		InfoDisent infoDisent = InfoDisent.train(f, "features", labels, 2, new TrainingOptions(2, 6, 0.05, 5), Progress.NONE);
		for (int[] units : new int[][] { { 5, 0, 3 }, { 2 }, { 4, 4, 1 } }) check(infoDisent, f, units);
	}
}
