package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.GradCam;
import org.conceptscope.attribution.GradientTimesInput;
import org.conceptscope.attribution.HsicAttribution;
import org.conceptscope.attribution.IntegratedGradients;
import org.conceptscope.attribution.MaskedImage;
import org.conceptscope.attribution.NoisyGradients;
import org.conceptscope.attribution.Occlusion;
import org.conceptscope.attribution.Rise;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.attribution.SobolAttribution;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * Every attribution method, on the real IHC model and real held-out patches: deleting pixels in
 * the order of its map lowers the predicted class's probability faster (smaller deletion AUC)
 * than a seeded random order.
 * <p>
 * Deleted pixels become white (1.0): in brightfield immunohistochemistry white is transmitted
 * light with no stain, so deletion removes stain rather than painting dark pixels that look like
 * hematoxylin. (With black, Saliency does not beat random here; see DeletionInsertionTest.)
 * <p>
 * RISE is a Monte Carlo estimate: with 500 independent masks of 64 cells its map is too noisy to beat
 * a random order here (AUC 0.48 to 0.51 over three seeds, random 0.46); with 2000 it does (0.45; the
 * paper uses 8000, Xplique 4000).
 */
class EveryMethodDeletionTest {

	@Test
	void everyMethodBeatsARandomOrder() {
		FloatTensor x = IhcPatches.load(16);
		try (TensorFlowClassifier ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			int[] targets = ihc.logits(x).argmaxRows();
			Deletion deletion = new Deletion(32, 1f);
			double random = deletion.evaluate(ihc, x, KnownAnswer.random(16, 32, 32, targets, 7), Progress.NONE).mean();
			List<AttributionMethod> methods = List.of(new Saliency(), new GradientTimesInput(), new IntegratedGradients(32, 1f),
				new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 16, 0.1, 1), new GradCam(null, false),
				new GradCam(null, true), new Occlusion(4, 4, 1f), new Rise(2000, 8, 0.5, 1),
				new SobolAttribution(8, 16, MaskedImage.constant(1f), false, 1), new HsicAttribution(8, 128, MaskedImage.constant(1f), 1));
			List<String> failures = new ArrayList<>();
			StringBuilder all = new StringBuilder("random " + random);
			for (AttributionMethod m : methods) {
				Attribution a = m.explain(ihc, x, targets, Progress.NONE);
				double auc = deletion.evaluate(ihc, x, a, Progress.NONE).mean();
				all.append(", ").append(m.name()).append(' ').append(auc);
				if (!(auc < random)) failures.add(m.name());
			}
			assertTrue(failures.isEmpty(), "deletion AUC not below random for " + failures + " (" + all + ")");
			System.out.println("Deletion AUC to white on 16 IHC patches: " + all);
		}
	}
}
