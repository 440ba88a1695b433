package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.fiji.TestFiles;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.tcav.Tcav;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * A noise concept that comes out significant (the noise control of docs/methods/tcav.md: ops' TcavTest, seeds 100 + s and
 * 42 + s) is flagged near chance in the command's table and in its Log note.
 */
class TcavNearChanceTest {

	@Test
	void aSignificantNoiseConceptIsFlaggedInTheTableAndTheLog() {
		try (Classifier model = Classifiers.open(TestFiles.testImages().resolve("models").resolve("known-answer"))) {
			for (int s = 0; s < 30; s++) {
				Random r = new Random(100 + s);
				FloatTensor pool = noise(32, r), inputs = noise(12, r);
				Tcav.Concept c = new Tcav.Concept("noise", noise(8, r));
				Tcav.Result test = new Tcav(20, 0.05, 42 + s).test(model, List.of("conv2/relu"), List.of(c), pool, inputs, 0, Progress.NONE);
				if (!test.rows().get(0).significant()) continue;
				Tcav.Row row = test.rows().get(0);
				List<String> table = TcavRun.rows(test, "region A", Map.of("noise", 8)).get(0);
				assertEquals("true", table.get(TcavRun.HEADER.indexOf("significant")));
				assertEquals("true", table.get(TcavRun.HEADER.indexOf("near_chance")), "seed " + s + ": accuracy " + row.meanAccuracy());
				List<String> notes = TcavRun.nearChanceNotes(test, Map.of("noise", 8));
				assertEquals(1, notes.size());
				assertTrue(notes.get(0).startsWith(String.format(java.util.Locale.ROOT, "ConceptScope TCAV note: 'noise' at conv2/relu is"
					+ " significant, but its CAVs' held-out accuracy is %.2f, near chance (0.50; below 0.70): the layer hardly tells it from"
					+ " random images", row.meanAccuracy())), notes.get(0));
				return;
			}
			throw new AssertionError("no seed made the noise concept significant; docs/methods/tcav.md measured 9 of 30");
		}
	}

	/** n images of noise in [0, 0.5), drawn from r in order (as ops' TcavTest.noise). */
	private static FloatTensor noise(int n, Random r) {
		float[] d = new float[n * 1024];
		for (int i = 0; i < d.length; i++) d[i] = r.nextFloat() * 0.5f;
		return new FloatTensor(new long[] { n, 32, 32, 1 }, d);
	}
}
