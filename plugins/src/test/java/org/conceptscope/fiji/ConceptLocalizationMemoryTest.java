package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.fiji.run.ConceptLocalizationRun;
import org.conceptscope.fiji.run.ConceptLocalizationSettings;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concept Localization with concept attribution maps over a stack whose activations at the bank's layer (4 x 4 x 2048
 * floats a slice, and a clipped copy) do not fit in a 128 MB heap, in a fresh JVM: refused in one sentence before the
 * first model pass, naming the most slices that fit; a stack of that many slices then runs to its end in the same heap.
 * Before the check, the run sent the whole stack through the model and ran out of memory. The same for the coefficient
 * maps (concept_maps=coefficients), whose maps of the slices' size outweigh the layer.
 */
class ConceptLocalizationMemoryTest {

	@TempDir
	Path work;

	/**
	 * Localises a bank's concepts as gradient x input maps (or the maps named by a fourth arg) on a stack of random RGB 32 x 32
	 * slices (args: model, bank, slices); prints REFUSED (before any model pass reported progress), LATE (refused after), RAN
	 * or OUT OF MEMORY.
	 */
	public static final class Child {
		public static void main(String[] args) throws Exception {
			ConceptLocalizationSettings s = new ConceptLocalizationSettings();
			s.model = Path.of(args[0]);
			s.concepts = Path.of(args[1]);
			s.conceptMaps = args.length > 3 ? args[3] : "gradient_x_input";
			boolean[] ran = { false };
			HeadExplanationMemoryTest.say(() -> {
				ConceptLocalizationRun.Result r = ConceptLocalizationRun.run(HeadExplanationMemoryTest.randomStack(Integer.parseInt(args[2])), s,
					(done, total, message) -> {
						ran[0] = true; // reported after the stack's first model pass
						return true;
					});
				return r.rows().size() + " rows, " + r.image().getNChannels() + " channels";
			}, ran);
		}
	}

	/** Three random non-negative concepts on the wide backbone's conv3/pool (4 x 4 x 2048), saved in the work folder. */
	private Path bank() throws java.io.IOException {
		ConceptBank bank = new ConceptBank();
		bank.model = "Wide backbone";
		bank.layer = "conv3/pool";
		bank.className = "hematoxylin";
		bank.classIndex = 1;
		Random random = new Random(3);
		bank.concepts = new double[3][2048];
		for (double[] row : bank.concepts) for (int j = 0; j < row.length; j++) row[j] = random.nextDouble();
		Path concepts = work.resolve("concepts.json");
		bank.save(concepts);
		return concepts;
	}

	@Test
	void aStackWhoseActivationsDoNotFitIsRefusedBeforeTheModelAndTheSlicesNamedRun() throws Exception {
		Path model = InfoDisentHeapTest.wideBackbone(work.resolve("wide"));
		Path concepts = bank();
		List<String> args = List.of(model.toString(), concepts.toString(), "2000");
		String refused = ChildJvm.run(Child.class, "-Xmx128m", args);
		assertTrue(refused.contains("REFUSED The 2000 slice(s) of 'stack' need about "), refused);
		assertTrue(refused.contains(" of Java's heap for their activations at layer 'conv3/pool' (4 x 4 x 2048 each and a clipped copy:"
			+ " concept attribution maps solve every image at once), 3 map(s) each and the new image, more than the "), refused);
		assertTrue(refused.contains(" Java may use: explain at most "), refused);
		assertTrue(refused.trim().endsWith("g or more; in Fiji, Edit > Options > Memory & Threads...)."), refused);
		assertFalse(refused.contains("OUT OF MEMORY") || refused.contains("LATE") || refused.contains("RAN"), refused);

		Matcher fits = Pattern.compile("explain at most (\\d+) slices at a time \\(a substack\\)").matcher(refused);
		assertTrue(fits.find(), refused);
		int slices = Integer.parseInt(fits.group(1));
		assertTrue(slices >= 10 && slices < 2000, refused);
		String ran = ChildJvm.run(Child.class, "-Xmx128m", List.of(model.toString(), concepts.toString(),
			Integer.toString(slices)));
		assertTrue(ran.contains("RAN " + slices + " rows, 6 channels"), ran);
		assertFalse(ran.contains("REFUSED") || ran.contains("OUT OF MEMORY"), ran);
	}

	/**
	 * The coefficient maps (concept_maps=coefficients) of a stack of the model's size keep, per slice, the input, k maps
	 * of the slice's size and the new image: a stack whose maps do not fit in a 128 MB heap is refused in one sentence
	 * before the model runs, naming the most slices that fit, and that many then run to the end in the same heap. Before
	 * the check the stack went through the model and ran out of memory on the way.
	 */
	@Test
	void aStackWhoseCoefficientMapsDoNotFitIsRefusedBeforeTheModelAndTheSlicesNamedRun() throws Exception {
		Path model = InfoDisentHeapTest.wideBackbone(work.resolve("wide"));
		Path concepts = bank();
		String refused = ChildJvm.run(Child.class, "-Xmx128m", List.of(model.toString(), concepts.toString(), "3000", "coefficients"));
		assertTrue(refused.contains("REFUSED The 3000 slice(s) of 'stack' need about "), refused);
		assertTrue(refused.contains(" of Java's heap for their concept maps (3 of 32 x 32 each, from 4 x 4 x 2048 activations at layer"
			+ " 'conv3/pool'), the input and the new image, more than the "), refused);
		assertTrue(refused.trim().endsWith("g or more; in Fiji, Edit > Options > Memory & Threads...)."), refused);
		assertFalse(refused.contains("OUT OF MEMORY") || refused.contains("LATE") || refused.contains("RAN"), refused);

		Matcher fits = Pattern.compile("explain at most (\\d+) slices at a time \\(a substack\\)").matcher(refused);
		assertTrue(fits.find(), refused);
		int slices = Integer.parseInt(fits.group(1));
		assertTrue(slices >= 10 && slices < 3000, refused);
		String ran = ChildJvm.run(Child.class, "-Xmx128m", List.of(model.toString(), concepts.toString(), Integer.toString(slices), "coefficients"));
		assertTrue(ran.contains("RAN " + slices + " rows, 6 channels"), ran);
		assertFalse(ran.contains("REFUSED") || ran.contains("OUT OF MEMORY"), ran);
	}
}
