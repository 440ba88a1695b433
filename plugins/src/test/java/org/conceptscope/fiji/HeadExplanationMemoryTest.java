package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ColorProcessor;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.fiji.run.HeadExplanationRun;
import org.conceptscope.fiji.run.HeadExplanationSettings;
import org.conceptscope.heads.BiIce;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.testsupport.ChildJvm;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Explain with Head over a stack whose feature maps (4 x 4 x 2048 floats a slice, 128 KB) do not fit in a 128 MB
 * heap, in a fresh JVM: refused in one sentence before the stack goes through the backbone, naming the most slices
 * that fit; a stack of that many slices then runs to its end in the same heap, and a larger one in the -Xmx the sentence
 * names. Before the check, the run sent the whole stack through the backbone and ran out of memory there.
 */
class HeadExplanationMemoryTest {

	@TempDir
	Path work;

	/**
	 * Explains a stack of random RGB 32 x 32 slices (args: model, head, slices); prints REFUSED (before the model's
	 * features reached the head), LATE (refused after), RAN or OUT OF MEMORY.
	 */
	public static final class Child {
		public static void main(String[] args) throws Exception {
			HeadExplanationSettings s = new HeadExplanationSettings();
			s.model = Path.of(args[0]);
			s.head = Path.of(args[1]);
			boolean[] headed = { false };
			say(() -> HeadExplanationRun.run(randomStack(Integer.parseInt(args[2])), s, (done, total, message) -> {
				headed[0] |= "head".equals(message); // the backbone's features reached the head
				return true;
			}).rows().size() + " rows", headed);
		}
	}

	/** A stack of {@code n} random RGB 32 x 32 slices titled 'stack' (seeded). */
	static ImagePlus randomStack(int n) {
		Random random = new Random(7);
		ImageStack stack = new ImageStack(32, 32);
		for (int z = 0; z < n; z++) {
			int[] rgb = new int[32 * 32];
			for (int p = 0; p < rgb.length; p++) rgb[p] = random.nextInt(1 << 24);
			stack.addSlice(new ColorProcessor(32, 32, rgb));
		}
		return new ImagePlus("stack", stack);
	}

	/**
	 * A child's report, then the end of its JVM: RAN and what {@code run} returned; REFUSED and the sentence (LATE once
	 * {@code late[0]} was set, the model having run); or OUT OF MEMORY and where.
	 */
	static void say(java.util.concurrent.Callable<String> run, boolean[] late) throws Exception {
		try {
			System.out.println("RAN " + run.call());
		} catch (IllegalArgumentException e) {
			System.out.println((late[0] ? "LATE " : "REFUSED ") + e.getMessage());
		} catch (OutOfMemoryError e) {
			StackTraceElement[] at = e.getStackTrace(); // where, for the failure's message
			System.out.println("OUT OF MEMORY " + e.getMessage() + " at " + java.util.Arrays.toString(java.util.Arrays.copyOf(at, Math.min(6, at.length))));
		}
		System.out.flush();
		System.exit(0); // TensorFlow's native threads must not keep this JVM alive
	}

	private String child(Path model, Path head, String heap, int slices) throws Exception {
		return ChildJvm.run(Child.class, heap, List.of(model.toString(), head.toString(), Integer.toString(slices)));
	}

	@Test
	void aStackWhoseFeatureMapsDoNotFitIsRefusedBeforeTheBackboneAndTheSlicesNamedRun() throws Exception {
		Path model = InfoDisentHeapTest.wideBackbone(work.resolve("wide"));
		// a small Bi-ICE head on the backbone's conv3/pool (4 x 4 x 2048), one training step on random features
		Random random = new Random(3);
		float[] f = new float[4 * 4 * 4 * 2048];
		for (int i = 0; i < f.length; i++) f[i] = random.nextFloat();
		BiIce head = BiIce.train(new FloatTensor(new long[] { 4, 4, 4, 2048 }, f), "conv3/pool", new int[] { 0, 1, 2, 0 }, 3, 6, 16, 0.01,
			new TrainingOptions(1, 4, 0.01, 42), Progress.NONE);
		Path headDir = work.resolve("head");
		head.save(headDir, List.of("background", "hematoxylin", "DAB-positive"), "Wide backbone", 0.5, 0.5);

		String refused = child(model, headDir, "-Xmx128m", 2000);
		assertTrue(refused.contains("REFUSED The 2000 slice(s) of 'stack' need about "), refused);
		assertTrue(refused.contains(" of Java's heap for their feature maps at layer 'conv3/pool' (4 x 4 x 2048 each: the head reads all of"
			+ " them), their scores, 3 map(s) each and the new image, more than the "), refused);
		assertTrue(refused.contains(" Java may use: explain at most "), refused);
		assertTrue(refused.trim().endsWith("g or more; in Fiji, Edit > Options > Memory & Threads...)."), refused);
		assertFalse(refused.contains("OUT OF MEMORY") || refused.contains("LATE") || refused.contains("RAN"), refused);

		Matcher fits = Pattern.compile("explain at most (\\d+) slices at a time").matcher(refused);
		assertTrue(fits.find(), refused);
		int slices = Integer.parseInt(fits.group(1));
		assertTrue(slices >= 10 && slices < 2000, refused);
		String ran = child(model, headDir, "-Xmx128m", slices);
		assertTrue(ran.contains("RAN "), ran);
		assertFalse(ran.contains("REFUSED") || ran.contains("OUT OF MEMORY"), ran);

		// the -Xmx named holds the stack: 3800 slices (0.73 GB of maps and images, 0.91 GB with the collector's quarter) need
		// -Xmx1g beside at most 128 MB in use; the quarter counted twice named 2g
		String more = child(model, headDir, "-Xmx128m", 3800);
		assertTrue(more.contains("REFUSED The 3800 slice(s)") && more.contains("(-Xmx1g or more;"), more);
		String ranMore = child(model, headDir, "-Xmx1g", 3800);
		assertTrue(ranMore.contains("RAN "), ranMore);
		assertFalse(ranMore.contains("REFUSED") || ranMore.contains("OUT OF MEMORY"), ranMore);
	}
}
