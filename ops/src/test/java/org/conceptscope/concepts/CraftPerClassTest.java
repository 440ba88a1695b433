package org.conceptscope.concepts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;

import org.conceptscope.attribution.GradCam;
import org.conceptscope.metrics.IhcPatches;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * CRAFT per class over a data set (Xplique's CraftManager): on 24 real held-out ihc.png patches and
 * the bundled ihc-stain model, each class gets exactly the images predicted as it (capped in order),
 * the concepts and importance a single CRAFT run on those images gives, and holistic numbers whose
 * reliability is the fraction of truly-labelled images among those each concept dominates.
 */
class CraftPerClassTest {

	@Test
	void oneCraftRunPerPredictedClass() {
		try (TensorFlowClassifier model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			FloatTensor x = IhcPatches.load(24);
			int[] predicted = model.logits(x).argmaxRows();
			CraftOptions o = new CraftOptions(GradCam.lastSpatialLayer(model), 16, 8, 3, 42, 1e-4, 200, 3);
			// true labels: the prediction, except every third image, labelled one class further
			int[] labels = new int[24];
			for (int i = 0; i < 24; i++) labels[i] = i % 3 == 0 ? (predicted[i] + 1) % 3 : predicted[i];
			List<CraftPerClass.ClassConcepts> all = CraftPerClass.fit(model, x, labels, null, 5, o, 8, Progress.NONE);
			assertArrayEquals(CraftPerClass.distinct(labels), all.stream().mapToInt(CraftPerClass.ClassConcepts::classIndex).toArray(),
				"every class among the labels, in order");
			int found = 0;
			for (CraftPerClass.ClassConcepts c : all) {
				int k = c.classIndex();
				int[] want = IntStream.range(0, 24).filter(i -> predicted[i] == k).limit(5).toArray();
				assertArrayEquals(want, c.images(), "the first 5 images predicted as " + c.className());
				if (want.length == 0) {
					assertFalse(c.found());
					continue;
				}
				found++;
				FloatTensor sub = x.rows(want);
				ConceptBank alone = Craft.fit(model, sub, k, o, Progress.NONE);
				for (int q = 0; q < 3; q++) assertArrayEquals(alone.concepts[q], c.bank().concepts[q], 1e-12);
				assertArrayEquals(ConceptImportance.sobol(model, alone, sub, 8, 42, Progress.NONE), c.bank().importance, 1e-9);
				HolisticConcepts.Summary h = c.holistic();
				assertEquals(1, java.util.Arrays.stream(h.prevalence()).sum(), 1e-9);
				double[] right = new double[3];
				int[] count = new int[3];
				for (int i = 0; i < want.length; i++) {
					int dominant = 0;
					for (int q = 1; q < 3; q++) if (h.perImage()[i][q] > h.perImage()[i][dominant]) dominant = q;
					count[dominant]++;
					if (labels[want[i]] == k) right[dominant]++;
				}
				for (int q = 0; q < 3; q++) assertEquals(count[q] == 0 ? 0 : right[q] / count[q], h.reliability()[q], 1e-12);
			}
			assertTrue(found >= 2, "the patches are predicted as at least two classes");

			List<CraftPerClass.ClassConcepts> unlabelled = CraftPerClass.fit(model, x, null, new int[] { 0, 1, 2 }, 2, o, 4, Progress.NONE);
			for (CraftPerClass.ClassConcepts c : unlabelled) if (c.found()) assertNull(c.holistic().reliability(), "no labels, no reliability");

			assertThrows(IllegalArgumentException.class, () -> CraftPerClass.fit(model, x, new int[3], null, 0, o, 8, Progress.NONE));
			assertThrows(IllegalArgumentException.class, () -> CraftPerClass.fit(model, x, null, new int[] { 7 }, 0, o, 8, Progress.NONE));
			assertThrows(java.util.concurrent.CancellationException.class,
				() -> CraftPerClass.fit(model, x, null, null, 0, o, 8, (d, t, m) -> false));
		}
	}
}
