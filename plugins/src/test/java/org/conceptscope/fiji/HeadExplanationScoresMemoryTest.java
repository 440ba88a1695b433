package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ByteProcessor;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.fiji.run.HeadExplanationRun;
import org.conceptscope.fiji.run.HeadExplanationSettings;
import org.conceptscope.heads.InfoDisent;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.CnnTrainer;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.testsupport.ChildJvm;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Explain with Head where the slices' scores outweigh their feature maps: an InfoDisent head on a 1 x 1 x 1024 layer keeps,
 * per slice, 4 KB of feature maps but 8 KB of evidence (its logits' units) and 8 KB of contributions. Counted without
 * them, the slices the sentence named ran out of memory in the same heap; in a fresh JVM at -Xmx128m they now run.
 */
class HeadExplanationScoresMemoryTest {

	@TempDir
	Path work;

	/** Explains a stack of random 8 x 8 slices (args: model, head, slices); prints as {@link HeadExplanationMemoryTest#say}. */
	public static final class Child {
		public static void main(String[] args) throws Exception {
			HeadExplanationSettings s = new HeadExplanationSettings();
			s.model = Path.of(args[0]);
			s.head = Path.of(args[1]);
			int n = Integer.parseInt(args[2]);
			Random random = new Random(7);
			ImageStack stack = new ImageStack(8, 8);
			for (int z = 0; z < n; z++) {
				byte[] p = new byte[64];
				random.nextBytes(p);
				stack.addSlice(new ByteProcessor(8, 8, p));
			}
			boolean[] headed = { false };
			HeadExplanationMemoryTest.say(() -> HeadExplanationRun.run(new ImagePlus("stack", stack), s, (done, total, message) -> {
				headed[0] |= "head".equals(message);
				return true;
			}).rows().size() + " rows", headed);
		}
	}

	@Test
	void theSlicesNamedRunWhenTheirScoresOutweighTheirFeatureMaps() throws Exception {
		// 8 x 8 gray input, three poolings: conv3/pool is 1 x 1 x 1024
		CnnArchitecture arch = new CnnArchitecture(8, 8, 1, new int[] { 8, 16, 1024 }, 3, true, CnnArchitecture.Head.GLOBAL_AVERAGE, 3);
		ModelConfig config = new ModelConfig();
		config.name = "Narrow input";
		config.classes = List.of("a", "b", "c");
		config.normalization = "unit_range";
		Path model = work.resolve("model");
		SavedModelExport.export(arch, CnnTrainer.initialWeights(arch, 11), config, model);
		Random random = new Random(3);
		float[] f = new float[6 * 1024];
		for (int i = 0; i < f.length; i++) f[i] = random.nextFloat();
		InfoDisent head = InfoDisent.train(new FloatTensor(new long[] { 6, 1, 1, 1024 }, f), "conv3/pool", new int[] { 0, 1, 2, 0, 1, 2 }, 3,
			new TrainingOptions(1, 6, 0.01, 42), Progress.NONE);
		Path headDir = work.resolve("head");
		head.save(headDir, config.classes, config.name, 0.5, 0.5);

		String refused = ChildJvm.run(Child.class, "-Xmx128m", List.of(model.toString(), headDir.toString(), "40000"));
		assertTrue(refused.contains("REFUSED The 40000 slice(s) of 'stack' need about "), refused);
		assertTrue(refused.contains("(1 x 1 x 1024 each: the head reads all of them), their scores, 3 map(s) each and the new image"), refused);
		Matcher fits = Pattern.compile("explain at most (\\d+) slices at a time").matcher(refused);
		assertTrue(fits.find(), refused);
		String slices = fits.group(1);
		String ran = ChildJvm.run(Child.class, "-Xmx128m", List.of(model.toString(), headDir.toString(), slices));
		assertTrue(ran.contains("RAN "), ran);
		assertFalse(ran.contains("REFUSED") || ran.contains("OUT OF MEMORY"), ran);
	}
}
