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
import org.conceptscope.model.ModelConfig;
import org.conceptscope.testmodels.LabelledPatchFolders;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.CnnTrainer;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Train Interpretable Head with InfoDisent on a backbone whose last feature map has 2048 channels
 * (as ResNet-50's), in a JVM whose heap is too small for the Java step after training (Q from the
 * trained skew part: 4 of 2048 x 2048 doubles and two skew parts in float, about 0.17 GB): refused
 * in one sentence before any image is read, with the -Xmx to give; started again with that -Xmx,
 * the same run passes the check and trains. Before the check, the small heap trained and
 * lost the training to an OutOfMemoryError at its end.
 */
class InfoDisentHeapTest {

	@TempDir
	Path work;

	/** The IHC classes on 32x32 RGB patches, three conv blocks [8, 64, 2048] with pooling: conv3/pool is [N, 4, 4, 2048]. */
	static Path wideBackbone(Path dir) throws Exception {
		CnnArchitecture arch = new CnnArchitecture(32, 32, 3, new int[] { 8, 64, 2048 }, 3, true, CnnArchitecture.Head.GLOBAL_AVERAGE, 3);
		ModelConfig config = new ModelConfig();
		config.name = "Wide backbone";
		config.classes = List.of("background", "hematoxylin", "DAB-positive");
		config.normalization = "unit_range";
		SavedModelExport.export(arch, CnnTrainer.initialWeights(arch, 11), config, dir);
		return dir;
	}

	/**
	 * Trains an InfoDisent head on the model's last spatial layer (args: model, folder, save folder, "stop" or "go");
	 * prints REFUSED (before any image was read), TRAINING (the run reached training; "stop" cancels it there) or RAN.
	 */
	public static final class Child {
		public static void main(String[] args) throws Exception {
			HeadTrainingSettings s = new HeadTrainingSettings();
			s.model = Path.of(args[0]);
			s.folder = Path.of(args[1]);
			s.saveDir = Path.of(args[2]);
			s.head = HeadTrainingSettings.INFODISENT;
			s.steps = 1;
			s.batchSize = 8;
			s.prototypes = 1;
			boolean[] read = { false }, trained = { false };
			try {
				HeadTrainingRun.Result r = HeadTrainingRun.run(s, (done, total, message) -> {
					read[0] |= "reading images".equals(message);
					trained[0] |= message != null && message.startsWith("training step");
					return !(trained[0] && args[3].equals("stop")); // a run that should be refused stops at training rather than run for minutes
				});
				System.out.println("RAN " + r.head().kind() + " with " + r.head().units() + " parts, head saved: "
					+ Files.isDirectory(s.saveDir.resolve(HeadTrainingRun.HEAD_DIR)));
			} catch (IllegalArgumentException e) {
				System.out.println((read[0] ? "READ " : "REFUSED ") + e.getMessage());
			} catch (java.util.concurrent.CancellationException e) {
				System.out.println("TRAINING " + e.getMessage());
			} catch (OutOfMemoryError e) {
				System.out.println((trained[0] ? "TRAINING then " : "") + "OUT OF MEMORY " + e.getMessage());
			}
			System.out.flush();
			System.exit(0); // TensorFlow's native threads must not keep this JVM alive
		}
	}

	private String child(Path model, Path folder, String heap, String mode) throws Exception {
		return ChildJvm.run(Child.class, heap, List.of(model.toString(), folder.toString(), work.resolve("out-" + mode).toString(), mode));
	}

	@Test
	void aHeapTooSmallForTheRotationIsRefusedBeforeTrainingAndTheXmxItNamesTrains() throws Exception {
		Path model = wideBackbone(work.resolve("wide"));
		Path folder = work.resolve("patches");
		LabelledPatchFolders.ihcFiles(folder, 4);

		String refused = child(model, folder, "-Xmx128m", "stop");
		assertTrue(refused.contains("REFUSED InfoDisent on layer 'conv3/pool' (2048 channels) computes its 2048 x 2048 rotation in Java once"
			+ " training ends, which needs about " + String.format(java.util.Locale.ROOT, "%.0f MB",
				org.conceptscope.heads.InfoDisent.heapBytes(2048) / 1e6) + " of Java's heap, more than the "), refused);
		assertTrue(refused.contains(" Java may use: give Java more memory (-Xmx"), refused);
		assertTrue(refused.contains("g or more; in Fiji, Edit > Options > Memory & Threads...), or choose a layer with fewer channels, such as"
			+ " layer=[conv2/pool] (64 channels)."), refused);
		assertFalse(refused.contains("TRAINING") || refused.contains("RAN") || refused.contains("OUT OF MEMORY"), refused);
		assertFalse(Files.exists(work.resolve("out-stop")), "nothing written");

		Matcher xmx = Pattern.compile("\\(-Xmx(\\d+)g or more").matcher(refused);
		assertTrue(xmx.find(), refused);
		// With the -Xmx the sentence names, the check passes and training starts (stopped there: the Java
		// step itself at this heap need is InfoDisentJavaHeapTest's, in ops; running it here took 3.5 minutes).
		String started = child(model, folder, "-Xmx" + xmx.group(1) + "g", "stop");
		assertTrue(started.contains("TRAINING"), started);
		assertFalse(started.contains("REFUSED") || started.contains("OUT OF MEMORY"), started);
	}
}
