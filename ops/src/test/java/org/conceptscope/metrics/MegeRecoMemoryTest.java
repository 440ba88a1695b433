package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.attribution.RandomBaseline;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;

/**
 * MeGe/ReCo of the ihc-stain model's architecture on thousands of its 32x32 tiles in a 128 MB heap: the fold models train
 * in it, but every model's maps of every tile and Saliency's gradients do not fit. Before the check the run trained all four
 * models and then ran out of memory at the first explanation; now it is refused before training, and the tiles the
 * sentence names run.
 */
class MegeRecoMemoryTest {

	/** Evaluates saliency and random on n ihc tiles, 16 to an image (arg: n); prints RAN, REFUSED, LATE or OUT OF MEMORY. */
	public static final class Child {
		public static void main(String[] args) {
			int n = Integer.parseInt(args[0]);
			boolean[] trained = { false };
			try {
				CnnArchitecture arch;
				try (TensorFlowClassifier model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
					arch = MegeReco.architectureFor(model, null);
				}
				FloatTensor tiles = IhcPatches.load(n);
				int[] labels = new int[n], sources = new int[n];
				for (int i = 0; i < n; i++) {
					labels[i] = i % 3;
					sources[i] = i / 16;
				}
				List<MegeReco.Result> r = new MegeReco(arch, new TrainingOptions(1, 32, 0.003, 42), 4).evaluate(tiles, labels, sources,
					List.of(new Saliency(), new RandomBaseline(42)), (done, total, what) -> {
						trained[0] |= what.startsWith("training");
						return true;
					});
				System.out.println("RAN " + r.size() + " methods");
			} catch (IllegalArgumentException e) {
				System.out.println((trained[0] ? "LATE " : "REFUSED ") + e.getMessage());
			} catch (OutOfMemoryError e) {
				System.out.println("OUT OF MEMORY " + (trained[0] ? "after training" : "before training"));
			}
			System.out.flush();
			System.exit(0); // TensorFlow's native threads must not keep this JVM alive
		}
	}

	@Test
	void tilesWhoseExplanationsDoNotFitAreRefusedBeforeTrainingAndTheTilesNamedRun() throws Exception {
		String refused = ChildJvm.run(Child.class, "-Xmx128m", List.of("3000"));
		assertTrue(refused.contains("REFUSED The 3000 tiles (of 188 image(s)) need about "), refused);
		assertTrue(refused.contains("for MeGe/ReCo's explanations (each image's map by each of the 4 fold models"), refused);
		assertTrue(refused.contains("give Java more memory (-Xmx"), refused);
		Matcher fits = Pattern.compile("explain at most (\\d+) tiles").matcher(refused);
		assertTrue(fits.find(), refused);
		String ran = ChildJvm.run(Child.class, "-Xmx128m", List.of(fits.group(1)));
		assertTrue(ran.contains("RAN 2 methods"), ran);
		assertFalse(ran.contains("REFUSED") || ran.contains("OUT OF MEMORY"), ran);
	}
}
