package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ByteProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.heads.InfoDisent;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OverwriteMacrosTest}'s check for Sharing Ratio Decomposition, Explain with Head, Feature Visualization and
 * Evaluate Explanation, each through ImageJ 1.x's macro interpreter in a child JVM: the first run writes its files; a
 * rerun with other settings into the same save_dir is refused before any work (no progress reported) in the one
 * sentence naming its first file, and the first run's files keep their bytes; with overwrite the rerun replaces them
 * (its settings, not the first's), and no other file appears.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OverwriteMoreMacrosTest {

	@TempDir
	static Path work;

	/** A progress line in the Log (stdout headless): "Command:  33%  1/3 ...". */
	private static final java.util.regex.Pattern PROGRESS = java.util.regex.Pattern.compile(": +\\d+% ");

	private Map<String, String> logs;
	private final Map<String, List<String>> files = new LinkedHashMap<>();

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		Path stack = TestFiles.testImages().resolve("images").resolve("ihc-heldout-patches.tif");
		Path ihc = TestFiles.testImages().resolve("models").resolve("ihc-stain");
		Path knownModel = TestFiles.testImages().resolve("models").resolve("known-answer");
		Path known = knownStack();
		Path head = work.resolve("trained-head");
		try (TensorFlowClassifier backbone = TensorFlowClassifier.load(ihc)) {
			FloatTensor x = ImagePlusTensors.toTensor(IJ.openImage(stack.toString()), backbone.normalization()).tensor();
			InfoDisent trained = InfoDisent.train(backbone.activations(x, "conv3/pool"), "conv3/pool", backbone.logits(x).argmaxRows(), 3,
				new TrainingOptions(10, 8, 0.05, 1), Progress.NONE);
			trained.save(head, backbone.classNames(), backbone.name(), Map.of("backbone_path", ihc.toAbsolutePath().toString(),
				"backbone_classes", backbone.classNames()));
		}
		files.put("srd", List.of("known-srd-map.tif", "known-srd-map-RoiSet.zip", "known-srd-results.csv"));
		files.put("head", List.of("ihc-heldout-patches-infodisent.tif", "ihc-heldout-patches-infodisent-RoiSet.zip",
			"ihc-heldout-patches-infodisent-results.csv"));
		files.put("maco", List.of("ihc-stain-DAB-positive-maco.tif", "ihc-stain-DAB-positive-maco-scores.csv",
			"ihc-stain-DAB-positive-maco-scores.png"));
		files.put("evaluate", List.of("known-saliency-deletion.csv", "known-saliency-deletion-curve.png"));
		// per command: its first run's settings, the rerun's; %s is save_dir then the overwrite flag
		Map<String, String[]> command = new LinkedHashMap<>();
		String openKnown = "setBatchMode(true); open('" + known + "');\n", openStack = "setBatchMode(true); open('" + stack + "');\n";
		String srd = "run('Sharing Ratio Decomposition...', 'model=[" + knownModel + "] output=image top_fraction=%s save_dir=[%s]%s');\n";
		command.put("srd", new String[] {openKnown + String.format(srd, "0.1", "%s", "%s"), openKnown + String.format(srd, "0.3", "%s", "%s")});
		String explain = "run('Explain with Head...', 'model=[" + ihc + "] head=[" + head + "] top=%s save_dir=[%s]%s');\n";
		command.put("head", new String[] {openStack + String.format(explain, "3", "%s", "%s"), openStack + String.format(explain, "2", "%s", "%s")});
		String maco = "run('Feature Visualization...', 'model=[" + ihc + "] target=[DAB-positive] recipe=simple steps=%s seed=7 save_dir=[%s]%s');\n";
		command.put("maco", new String[] {openStack + String.format(maco, "1", "%s", "%s"), openStack + String.format(maco, "2", "%s", "%s")});
		String evaluate = "run('Evaluate Explanation...', 'model=[" + knownModel + "] method=saliency metric=deletion steps=%s target=1"
			+ " save_dir=[%s]%s');\n";
		command.put("evaluate", new String[] {openKnown + String.format(evaluate, "8", "%s", "%s"),
			openKnown + String.format(evaluate, "4", "%s", "%s")});
		Map<String, Macro> runs = new LinkedHashMap<>();
		for (String name : command.keySet()) {
			Path dir = work.resolve(name), first = work.resolve(name + "-first"), kept = work.resolve(name + "-kept");
			runs.put(name + " first", new Macro(String.format(command.get(name)[0], dir, "") + copies(name, dir, first) + "close('*');\n", ""));
			runs.put(name + " again", new Macro(String.format(command.get(name)[1], dir, "") + "print('still running');\n", ""));
			// what the refused rerun left, kept before the overwrite replaces it
			runs.put(name + " replaced", new Macro(copies(name, dir, kept) + String.format(command.get(name)[1], dir, " overwrite")
				+ "close('*');\n", ""));
		}
		logs = MacroRunner.run(runs, work);
	}

	private String copies(String name, Path from, Path to) {
		StringBuilder b = new StringBuilder("File.makeDirectory('" + to + "');\n");
		for (String f : files.get(name)) b.append("File.copy('").append(from.resolve(f)).append("', '").append(to.resolve(f)).append("');\n");
		return b.toString();
	}

	/** Noise in [1, 11) with the known-answer model's region B raised by 20, 3 slices: class 1 (as MetricMacrosTest's). */
	private static Path knownStack() {
		ImageStack stack = new ImageStack(32, 32);
		Random r = new Random(3);
		for (int i = 0; i < 3; i++) {
			ByteProcessor ip = new ByteProcessor(32, 32);
			for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) ip.set(x, y, 1 + r.nextInt(10) + (MetricMacrosTest.inR1(x, y) ? 20 : 0));
			stack.addSlice("s" + (i + 1), ip);
		}
		Path image = work.resolve("known.tif");
		assertTrue(new FileSaver(new ImagePlus("known.tif", stack)).saveAsTiffStack(image.toString()));
		return image;
	}

	private void check(String name) throws IOException {
		Path dir = work.resolve(name);
		List<String> names = files.get(name);
		assertFalse(logs.get(name + " first").contains("Error"), logs.get(name + " first"));
		assertEquals(names.stream().sorted().toList(), TestFiles.names(dir), "the first run's files");
		String again = logs.get(name + " again");
		assertTrue(again.contains(OverwriteMacrosTest.refusal(dir.resolve(names.get(0)))), again);
		assertFalse(again.contains("still running"), "the macro is aborted: " + again);
		// before any work: the first run reports its progress (n%), the refused one none
		assertTrue(PROGRESS.matcher(logs.get(name + " first")).find(), logs.get(name + " first"));
		assertFalse(PROGRESS.matcher(again).find(), "refused before any work: " + again);
		for (String f : names) {
			assertTrue(Arrays.equals(Files.readAllBytes(work.resolve(name + "-first").resolve(f)), Files.readAllBytes(work.resolve(name + "-kept")
				.resolve(f))), f + " keeps its bytes after the refused rerun");
		}
		assertFalse(logs.get(name + " replaced").contains("Error"), logs.get(name + " replaced"));
		assertEquals(names.stream().sorted().toList(), TestFiles.names(dir), "the rerun's files replace the first's, nothing else");
		assertFalse(Arrays.equals(Files.readAllBytes(work.resolve(name + "-first").resolve(names.get(0))), Files.readAllBytes(dir.resolve(names
			.get(0)))), names.get(0) + " replaced by the rerun's");
	}

	@Test
	void sharingRatioDecomposition() throws IOException {
		check("srd");
		String info = (String) IJ.openImage(work.resolve("srd").resolve("known-srd-map.tif").toString()).getProperty("Info");
		assertTrue(info.contains("top_fraction=0.3") && info.contains("overwrite=true"), info);
	}

	@Test
	void explainWithHead() throws IOException {
		check("head");
		List<List<String>> first = Csv.parse(Files.readString(work.resolve("head-first").resolve("ihc-heldout-patches-infodisent-results.csv")));
		List<List<String>> replaced = Csv.parse(Files.readString(work.resolve("head").resolve("ihc-heldout-patches-infodisent-results.csv")));
		assertTrue(replaced.size() < first.size(), "2 parts a slice, not 3: " + replaced.size() + " rows, first " + first.size());
	}

	@Test
	void featureVisualization() throws IOException {
		check("maco");
		assertEquals(1 + 1, Csv.parse(Files.readString(work.resolve("maco-first").resolve("ihc-stain-DAB-positive-maco-scores.csv"))).size());
		assertEquals(1 + 2, Csv.parse(Files.readString(work.resolve("maco").resolve("ihc-stain-DAB-positive-maco-scores.csv"))).size(),
			"the rerun's 2 steps");
	}

	@Test
	void evaluateExplanation() throws IOException {
		check("evaluate");
	}
}
