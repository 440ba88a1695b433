package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * A head is used only with the backbone it was trained on, checked through what it saved: the
 * backbone's classes in their order (a model trained again with its classes in another order has
 * layers of the same shapes, and every row would name the wrong class) are refused in one
 * sentence by Explain with Head and Feature Visualization; another backbone name or folder is
 * a warning in the Log, as for saved CAVs of another model. Heads trained here on the IHC stain
 * model's conv3/pool, saved with edited metadata, then used by macros.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeadOriginMacrosTest {

	@TempDir
	static Path work;

	private Map<String, String> logs;
	private final Path model = TestFiles.testImages().resolve("models").resolve("ihc-stain");
	private final Path stack = TestFiles.testImages().resolve("images").resolve("ihc-heldout-patches.tif");
	private List<String> classes;
	private String name;

	@BeforeAll
	void saveHeadsAndRunMacros() throws Exception {
		List<String> reordered;
		try (TensorFlowClassifier backbone = TensorFlowClassifier.load(model)) {
			classes = backbone.classNames();
			name = backbone.name();
			reordered = List.of(classes.get(1), classes.get(0), classes.get(2));
			FloatTensor x = ImagePlusTensors.toTensor(IJ.openImage(stack.toString()), backbone.normalization()).tensor();
			FloatTensor features = backbone.activations(x, "conv3/pool");
			InfoDisent head = InfoDisent.train(features, "conv3/pool", backbone.logits(x).argmaxRows(), 3, new TrainingOptions(10, 8, 0.05, 1),
				Progress.NONE);
			String path = model.toAbsolutePath().toString();
			head.save(work.resolve("same"), classes, name, Map.of("backbone_path", path, "backbone_classes", classes));
			head.save(work.resolve("reordered"), reordered, name, Map.of("backbone_path", path, "backbone_classes", reordered));
			head.save(work.resolve("reordered-op"), reordered, name, Map.of()); // as the op saves it: the classes alone
			head.save(work.resolve("other"), classes, "another model", Map.of("backbone_path", "/elsewhere/another-model", "backbone_classes",
				classes));
		}
		Map<String, Macro> runs = new LinkedHashMap<>();
		for (String head : List.of("same", "reordered", "reordered-op", "other")) {
			runs.put(head, new Macro("setBatchMode(true); open('" + stack + "');\nrun('Explain with Head...', 'model=[" + model + "] head=["
				+ work.resolve(head) + "] save_dir=[" + work.resolve("explain-" + head) + "]');\nprint('still running');\n", ""));
		}
		runs.put("visualize reordered", new Macro("setBatchMode(true); open('" + stack + "');\nrun('Feature Visualization...', 'model=[" + model
			+ "] head=[" + work.resolve("reordered") + "] target=[part 1] recipe=simple steps=1 save_dir=[" + work.resolve("maco-reordered")
			+ "]');\nprint('still running');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void theHeadOfThisModelRunsWithoutAWarning() {
		String log = logs.get("same");
		assertTrue(log.contains("still running") && !log.contains("Error") && !log.contains("was trained on"), log);
		assertTrue(Files.exists(work.resolve("explain-same").resolve("ihc-heldout-patches-infodisent-results.csv")));
	}

	@Test
	void aHeadOfAModelWithItsClassesInAnotherOrderIsRefused() {
		for (String head : List.of("reordered", "reordered-op")) {
			String log = logs.get(head);
			assertTrue(log.contains("The head in " + work.resolve(head) + " was trained on a model whose classes are [" + classes.get(1) + ", "
				+ classes.get(0) + ", " + classes.get(2) + "], and model " + model + " has " + classes + ": with other classes or another order"
				+ " every row would name the wrong class, so use the model the head was trained on, or train a head on this one with Train"
				+ " Interpretable Head."), log);
			assertFalse(log.contains("still running"), "the macro is aborted: " + log);
			assertFalse(Files.exists(work.resolve("explain-" + head)), "nothing written");
		}
		String maco = logs.get("visualize reordered");
		assertTrue(maco.contains("was trained on a model whose classes are [" + classes.get(1) + ", "), maco);
		assertFalse(maco.contains("still running"), maco);
		assertFalse(Files.exists(work.resolve("maco-reordered")), "nothing written");
	}

	@Test
	void aHeadSavedWithAnotherBackboneNameOrFolderRunsWithAWarning() {
		String log = logs.get("other");
		assertTrue(log.contains("ConceptScope warning: the head in " + work.resolve("other") + " was trained on the model 'another model'"
			+ " (/elsewhere/another-model) and is used with '" + name + "' (" + model.toAbsolutePath() + "): its parts and concepts mean"
			+ " something only on the model it was trained on."), log);
		assertTrue(log.contains("still running") && !log.contains("Error"), log);
		assertEquals(List.of("ihc-heldout-patches-infodisent-RoiSet.zip", "ihc-heldout-patches-infodisent-results.csv",
			"ihc-heldout-patches-infodisent.tif"), TestFiles.names(work.resolve("explain-other")));
	}
}
