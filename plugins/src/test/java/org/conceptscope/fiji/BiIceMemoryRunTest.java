package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.fiji.run.HeadTrainingRun;
import org.conceptscope.fiji.run.HeadTrainingSettings;
import org.conceptscope.testmodels.LabelledPatchFolders;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Train Interpretable Head with a Bi-ICE head too large for the machine, in a fresh JVM: refused in one sentence
 * once the folder is read (its image count sets the training step's size) but before the images go through the
 * backbone, and nothing written, both where TensorFlow's step would not fit in the machine's memory
 * (1024 concepts of 4096 dimensions on a 32 x 32 layer: terabytes) and where Java's heap is too small for the head's
 * Java part (-Xmx128m); started again with the -Xmx that sentence names, the run passes the check and trains. Before
 * the check, both read the images and went on to train (and the small heap ran out of memory on the way).
 */
class BiIceMemoryRunTest {

	@TempDir
	Path work;

	/**
	 * Trains a Bi-ICE head (args: model, folder, save folder, layer, concepts, dimension, batch size); prints REFUSED
	 * (before any image was read), READ (refused after reading), TRAINING (reached training, stopped there) or RAN.
	 */
	public static final class Child {
		public static void main(String[] args) throws Exception {
			HeadTrainingSettings s = new HeadTrainingSettings();
			s.model = Path.of(args[0]);
			s.folder = Path.of(args[1]);
			s.saveDir = Path.of(args[2]);
			s.head = HeadTrainingSettings.BI_ICE;
			s.layer = args[3];
			s.concepts = Integer.parseInt(args[4]);
			s.dimension = Integer.parseInt(args[5]);
			s.batchSize = Integer.parseInt(args[6]);
			s.steps = 1;
			s.prototypes = 1;
			boolean[] read = { false }, trained = { false };
			try {
				HeadTrainingRun.Result r = HeadTrainingRun.run(s, (done, total, message) -> {
					read[0] |= "reading images".equals(message);
					trained[0] |= message != null && message.startsWith("training step");
					return !trained[0]; // stop where training has started: the check is what is tested
				});
				System.out.println("RAN " + r.head().units());
			} catch (IllegalArgumentException e) {
				System.out.println((read[0] ? "READ " : "REFUSED ") + e.getMessage());
			} catch (java.util.concurrent.CancellationException e) {
				System.out.println("TRAINING " + e.getMessage());
			} catch (OutOfMemoryError e) {
				System.out.println((read[0] ? "READ then " : "") + (trained[0] ? "TRAINING then " : "") + "OUT OF MEMORY " + e.getMessage());
			}
			System.out.flush();
			System.exit(0); // TensorFlow's native threads must not keep this JVM alive
		}
	}

	private String child(Path model, Path folder, String heap, String out, String... settings) throws Exception {
		List<String> args = new java.util.ArrayList<>(List.of(model.toString(), folder.toString(), work.resolve(out).toString()));
		args.addAll(List.of(settings));
		return ChildJvm.run(Child.class, heap, args);
	}

	@Test
	void aHeadTooLargeForTheMachineOrTheHeapIsRefusedBeforeTheImagesGoThroughTheBackbone() throws Exception {
		Path model = InfoDisentHeapTest.wideBackbone(work.resolve("wide"));
		Path folder = work.resolve("patches");
		LabelledPatchFolders.ihcFiles(folder, 4);

		String nativeRefused = child(model, folder, "-Xmx512m", "out-native", "conv1/relu", "1024", "4096", "32");
		// refused once the folder is read (its image count sets the step), by the run's check before the images go through the
		// backbone: the training's own check, after the backbone, says "a batch of" instead of the key
		Matcher step = Pattern.compile("READ Bi-ICE on layer 'conv1/relu' \\(32 x 32 positions, 8 channels\\) with concepts=1024,"
			+ " dimension=4096 and batch_size=32 \\(steps of (\\d+) images\\) needs about ").matcher(nativeRefused);
		assertTrue(step.find(), nativeRefused);
		assertTrue(Integer.parseInt(step.group(1)) < 32, "the step is the images trained on, not the batch size: " + nativeRefused);
		assertTrue(nativeRefused.contains(" GB of native memory for each training step (its binding multiplies every position with every"
			+ " concept in every dimension), more than the "), nativeRefused);
		assertTrue(nativeRefused.contains(" GB of the machine's memory beside Java's heap (what TensorFlow has on the CPU): give "), nativeRefused);
		assertTrue(nativeRefused.trim().endsWith(", or choose a layer with fewer positions."), nativeRefused);
		assertFalse(nativeRefused.contains("TRAINING") || nativeRefused.contains("REFUSED") || nativeRefused.contains("OUT OF MEMORY"), nativeRefused);
		assertFalse(Files.exists(work.resolve("out-native")), "nothing written");

		// one image a step on the 4 x 4 layer: 1.6 GB native, but 0.4 GB of Java's heap
		String heapRefused = child(model, folder, "-Xmx128m", "out-heap", "conv3/pool", "1024", "4096", "1");
		// 0.4 GB, far above the 128 MB heap: whole MB
		Matcher heapNeed = Pattern.compile("READ Bi-ICE on layer 'conv3/pool' \\(4 x 4 positions, 2048 channels\\) with concepts=1024,"
			+ " dimension=4096 and batch_size=1 needs about (\\d+) MB of Java's heap with the feature maps of ").matcher(heapRefused);
		assertTrue(heapNeed.find(), heapRefused);
		assertTrue(Integer.parseInt(heapNeed.group(1)) >= 350 && Integer.parseInt(heapNeed.group(1)) < 450, heapRefused);
		// the training alone does not fit: fewer images would not help
		assertTrue(heapRefused.trim().endsWith(", or give fewer concepts= or a smaller dimension=."), heapRefused);
		assertTrue(heapRefused.contains(" Java may use: give Java more memory (-Xmx"), heapRefused);
		assertFalse(heapRefused.contains("TRAINING") || heapRefused.contains("REFUSED") || heapRefused.contains("OUT OF MEMORY"), heapRefused);
		assertFalse(Files.exists(work.resolve("out-heap")), "nothing written");

		Matcher xmx = Pattern.compile("\\(-Xmx(\\d+)g or more").matcher(heapRefused);
		assertTrue(xmx.find(), heapRefused);
		String started = child(model, folder, "-Xmx" + xmx.group(1) + "g", "out-started", "conv3/pool", "1024", "4096", "1");
		assertTrue(started.contains("TRAINING"), started);
		assertFalse(started.contains("REFUSED") || started.contains("OUT OF MEMORY"), started);
	}
}
