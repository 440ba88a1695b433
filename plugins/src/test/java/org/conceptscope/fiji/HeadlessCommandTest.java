package org.conceptscope.fiji;

import org.conceptscope.fiji.image.ImagePlusTensors;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.plugin.SubstackMaker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.conceptscope.fiji.command.AttributionCommand;
import org.conceptscope.fiji.command.ModelInfoCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;
import org.scijava.console.ConsoleService;
import org.scijava.log.LogLevel;
import org.scijava.log.LogService;
import org.scijava.startup.StartupService;

/**
 * The SciJava commands run headless the way {@code ImageJ --headless --run "<command>" "k='v',..."}
 * runs them (ConsoleService.processArgs, then the queued startup operations), on the bundled CT
 * stack, EVA with CROWN bounds on IHC patches and MeGe/ReCo on a folder of labelled real CT
 * patches without any image; and through CommandService to see their outputs. Without imagej-legacy, SciJava turns image=path into an ImagePlus by opening
 * the file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeadlessCommandTest {

	@TempDir
	Path out;

	private Context context;
	private final List<String> errors = new CopyOnWriteArrayList<>();
	private final Path testImages = TestFiles.testImages();

	@BeforeAll
	void startSciJava() {
		context = new Context();
		context.service(LogService.class).addLogListener(m -> {
			if (m.level() <= LogLevel.ERROR) errors.add(m.text());
		});
	}

	@AfterAll
	void stopSciJava() {
		context.dispose();
	}

	@BeforeEach
	void clearErrors() {
		errors.clear();
	}

	@Test
	void consoleRunByClassNameExplainsEveryCtSliceForANamedClass() throws IOException {
		runHeadless(AttributionCommand.class.getName(), "image='" + image("ct-heldout-patches.tif") + "',model='"
			+ model("ct-tissue") + "',method='integrated_gradients',steps=16,target='soft tissue',output='image'"
			+ ",top_fraction=0.2,save_dir='" + out + "'");
		assertEquals(List.of(), errors);
		String base = "ct-heldout-patches-integrated_gradients";
		assertEquals(List.of(base + "-map-RoiSet.zip", base + "-map.tif", base + "-results.csv"), TestFiles.names(out));
		ImagePlus map = IJ.openImage(out.resolve(base + "-map.tif").toString());
		assertEquals(1, map.getNChannels(), "output=image: the map alone");
		assertEquals(12, map.getNSlices());
		List<Roi> rois = RoiZip.read(out.resolve(base + "-map-RoiSet.zip"));
		assertEquals(12, rois.size());
		for (int z = 1; z <= 12; z++) {
			assertEquals("integrated_gradients; soft tissue; slice=" + z, rois.get(z - 1).getName());
			assertEquals("0.200000", rois.get(z - 1).getProperty("top_fraction"));
		}
		List<List<String>> csv = Csv.parse(Files.readString(out.resolve(base + "-results.csv")));
		assertEquals(1 + 12, csv.size());
		int target = csv.get(0).indexOf("target");
		for (List<String> row : csv.subList(1, 13)) assertEquals("soft tissue", row.get(target));
	}

	@Test
	void conceptDiscoveryRunsHeadlessOnAFolderOfImages(@TempDir Path dir) throws IOException {
		Path input = Files.createDirectories(dir.resolve("dab"));
		Files.copy(image("ihc-heldout-patches.tif"), input.resolve("a-stack.tif"));
		ImagePlus firstFour = new ij.plugin.SubstackMaker().makeSubstack(IJ.openImage(image("ihc-heldout-patches.tif").toString()), "1-4");
		IJ.saveAsTiff(firstFour, input.resolve("b-four.tif").toString());
		Files.writeString(input.resolve("notes.txt"), "not an image");
		Path save = dir.resolve("concepts");
		runHeadless("Concept Discovery...", "model='" + model("ihc-stain") + "',folder='" + input + "',layer='conv2/relu'"
			+ ",target='DAB-positive',patch=16,stride=8,concepts=3,designs=8,examples=4,save_dir='" + save + "'");
		assertEquals(List.of(), errors);
		assertEquals(List.of("atlas.tif", "concepts.json", "importance.csv", "importance.png"), TestFiles.names(save));
		org.conceptscope.concepts.ConceptBank bank = org.conceptscope.concepts.ConceptBank.load(save.resolve("concepts.json"));
		assertEquals(3, bank.size());
		assertEquals(3, bank.importance.length);
		assertEquals("DAB-positive", bank.className);
		// Both files are one batch of 12 + 4 images: example indices run over all of them.
		for (var ex : bank.examples) for (var e : ex) assertTrue(e.image() >= 0 && e.image() < 16, e.toString());
		ImagePlus atlas = IJ.openImage(save.resolve("atlas.tif").toString());
		assertEquals(3 * 4, atlas.getOverlay().size(), "one panel per example");
		for (int i = 0; i < atlas.getOverlay().size(); i++) {
			String name = atlas.getOverlay().get(i).getName();
			var e = bank.examples.get(i / 4).get(i % 4);
			String file = e.image() < 12 ? "a-stack.tif slice " + (e.image() + 1) : "b-four.tif slice " + (e.image() - 11);
			assertTrue(name.contains("; " + file + "; "), name + " should come from " + file);
		}
		assertEquals(1 + 3, Csv.parse(Files.readString(save.resolve("importance.csv"))).size());
	}

	@Test
	void consoleRunOfConceptImportanceOnAFolderGivesTheGradientImportancesOfItsImages(@TempDir Path dir) throws IOException {
		Path input = Files.createDirectories(dir.resolve("dab"));
		Files.copy(image("ihc-heldout-patches.tif"), input.resolve("a-stack.tif"));
		ImagePlus stack = IJ.openImage(image("ihc-heldout-patches.tif").toString());
		org.conceptscope.concepts.ConceptBank bank;
		double[] expected;
		try (org.conceptscope.model.TensorFlowClassifier model = org.conceptscope.model.TensorFlowClassifier.load(model("ihc-stain"))) {
			org.conceptscope.tensor.FloatTensor batch = ImagePlusTensors.toTensor(stack, model.normalization()).tensor();
			bank = org.conceptscope.concepts.Craft.fit(model, batch, 2, new org.conceptscope.concepts.CraftOptions("conv2/relu", 16, 8,
				3, 1, 1e-4, 200, 2), org.conceptscope.util.Progress.NONE);
			expected = org.conceptscope.concepts.ConceptImportance.gradientTimesInput(model, bank, batch, org.conceptscope.util.Progress.NONE);
		}
		Path bankFile = dir.resolve("dab-concepts.json"), save = dir.resolve("importance");
		bank.save(bankFile);
		String log = printed(() -> runHeadless("Concept Importance...", "model='" + model("ihc-stain") + "',concepts='" + bankFile
			+ "',folder='" + input + "',estimator='gradient',update_bank=true,save_dir='" + save + "'"));
		assertEquals(List.of(), errors);
		assertTrue(log.matches("(?s).*ConceptScope concept importance \\(gradient\\): 1=\\S+ 2=\\S+ 3=\\S+\n.*"), log);
		assertEquals(List.of("dab-concepts-importance-gradient.csv", "dab-concepts-importance-gradient.png", "dab-concepts.json"),
			TestFiles.names(save));
		List<List<String>> csv = Csv.parse(Files.readString(save.resolve("dab-concepts-importance-gradient.csv")));
		assertEquals(1 + 3, csv.size());
		for (int c = 0; c < 3; c++) {
			assertEquals(expected[c], Double.parseDouble(csv.get(c + 1).get(2)), 1e-5 * Math.abs(expected[c]) + 1e-9,
				"the folder's image gives the gradient importance of the stack it holds");
			assertEquals("NaN", csv.get(c + 1).get(4), "the bank held no importance yet");
		}
		assertEquals("gradient", org.conceptscope.concepts.ConceptBank.load(save.resolve("dab-concepts.json")).importanceEstimator);

		runHeadless("Concept Importance...", "model='" + model("ct-tissue") + "',concepts='" + bankFile + "',folder='" + input
			+ "',save_dir='" + dir.resolve("refused") + "'");
		assertTrue(errors.stream().anyMatch(e -> e.contains("are of class 'DAB-positive' (index 2), which model " + model("ct-tissue")
			+ " does not have there: use the model they were discovered with.")), errors.toString());
		assertFalse(Files.exists(dir.resolve("refused")));
	}

	/** The commands that read a classifier's graph refuse a segmentation SavedModel in one sentence (it once stopped on a ClassCastException). */
	@Test
	void graphCommandsRefuseASegmentationSavedModelInOneSentence(@TempDir Path dir) {
		Path segmentation = testImages.resolve("models/ihc-segmentation");
		runHeadless("Sharing Ratio Decomposition...", "image='" + image("ihc-heldout-patches.tif") + "',model='" + segmentation
			+ "',save_dir='" + dir.resolve("srd") + "'");
		assertTrue(errors.stream().anyMatch(e -> e.contains("SRD reads a classifier's TensorFlow graph (one score per"
			+ " class); " + segmentation + " outputs a map (a segmentation model): explain it with Attribution")), errors.toString());
		assertFalse(errors.stream().anyMatch(e -> e.contains("ClassCastException")), errors.toString());
		assertEquals(List.of(), TestFiles.names(dir), "nothing written");
	}

	@Test
	void conceptDiscoveryHeadlessWithoutSaveFolderIsRefused(@TempDir Path dir) {
		runHeadless(org.conceptscope.fiji.command.ConceptDiscoveryCommand.class.getName(), "model='" + model("ihc-stain")
			+ "',folder='" + dir + "'");
		assertEquals(List.of(), TestFiles.names(dir), "nothing written");
		assertTrue(errors.stream().anyMatch(e -> e.contains("Headless, the command needs save_dir=[folder]")), errors.toString());
	}

	@Test
	void trainInterpretableHeadRunsHeadlessOnClassFoldersOfRealImages(@TempDir Path dir) throws IOException {
		Path folder = dir.resolve("classes");
		java.util.Map<Path, Integer> files = org.conceptscope.testmodels.LabelledPatchFolders.ihcFiles(folder, 10);
		// a user's own names: case and underscores do not matter, files beside the class folders are skipped
		Files.move(folder.resolve("DAB-positive"), folder.resolve("dab-POSITIVE"));
		Files.writeString(folder.resolve("README.txt"), "one folder per class");
		Path save = dir.resolve("head-run");
		String log = printed(() -> runHeadless("Train Interpretable Head...", "model='" + model("ihc-stain") + "',folder='" + folder
			+ "',head='bi_ice',concepts=3,dimension=8,steps=120,seed=5,held_out=0.3,prototypes=2,save_dir='" + save + "'"));
		assertEquals(List.of(), errors);
		assertTrue(log.contains("ConceptScope bi_ice head: held-out accuracy "), log);
		assertEquals(List.of("accuracy.csv", "convergence.csv", "convergence.png", "head", "heldout.csv", "prototypes.tif", "units.csv"),
			TestFiles.names(save));
		assertEquals(1 + 9, Csv.parse(Files.readString(save.resolve("heldout.csv"))).size(), "0.3 of 10 images per class: 3 each");
		org.conceptscope.heads.InterpretableHead head = org.conceptscope.heads.InterpretableHead.load(save.resolve("head"));
		assertEquals("bi_ice", head.kind());
		assertEquals(3, head.units());
		try (org.conceptscope.model.TensorFlowClassifier saved = org.conceptscope.model.TensorFlowClassifier.load(save.resolve("head"))) {
			assertEquals(List.of("background", "DAB-positive", "hematoxylin"), saved.config().metadata.get("class_folders"),
				"the folders were read as the model's classes");
			assertTrue(((String) saved.config().metadata.get("options")).contains("head=bi_ice"), "the options that replay the run");
		}
		assertEquals(30, files.size());
	}

	@Test
	void sharingRatioDecompositionRunsHeadlessOnTheCtStack(@TempDir Path dir) throws IOException {
		String log = printed(() -> runHeadless("Sharing Ratio Decomposition...", "image='" + image("ct-heldout-patches.tif") + "',model='"
			+ model("ct-tissue") + "',target='bone',erf_layer='conv2/relu',output='image',save_dir='" + dir + "'"));
		assertEquals(List.of(), errors);
		// rounded as the Log's other numbers (6 significant digits), with the fill it depends on
		java.util.regex.Matcher apop = java.util.regex.Pattern.compile("ConceptScope SRD: APOP agreement (\\S+) \\(apop_fill=1\\)").matcher(log);
		assertTrue(apop.find(), log);
		assertEquals(org.conceptscope.fiji.write.Numbers.brief(Double.parseDouble(apop.group(1))), apop.group(1), log);
		String base = "ct-heldout-patches-srd";
		assertEquals(List.of(base + "-map-RoiSet.zip", base + "-map.tif", base + "-results.csv"), TestFiles.names(dir));
		ImagePlus maps = IJ.openImage(dir.resolve(base + "-map.tif").toString());
		assertEquals(2, maps.getNChannels(), "output=image: relevance and ERF alone");
		assertEquals(12, maps.getNSlices());
		List<List<String>> csv = Csv.parse(Files.readString(dir.resolve(base + "-results.csv")));
		assertEquals(1 + 12 + 1, csv.size());
		List<String> h = csv.get(0);
		// 16 x 16 image, conv2/relu 8 x 8: the centre pixel (8, 8) is cell (4, 4); conv2 3x3 <- pool 2 <- conv1 3x3: pixels 2q-3 .. 2q+4.
		for (List<String> row : csv.subList(1, 13)) {
			assertEquals("bone", row.get(h.indexOf("target")));
			assertEquals(List.of("4", "4", "5", "5", "8", "8"), List.of(row.get(h.indexOf("erf_cell_x")), row.get(h.indexOf("erf_cell_y")),
				row.get(h.indexOf("rf_x")), row.get(h.indexOf("rf_y")), row.get(h.indexOf("rf_width")), row.get(h.indexOf("rf_height"))));
			double score = Double.parseDouble(row.get(h.indexOf("class_score"))), sum = Double.parseDouble(row.get(h.indexOf("relevance_sum")));
			assertEquals(score, sum + Double.parseDouble(row.get(h.indexOf("bias_relevance"))), 1e-6 * (1 + Math.abs(score)));
		}
		assertEquals(3 * 12, RoiZip.read(dir.resolve(base + "-map-RoiSet.zip")).size(), "srd, erf and rf ROIs on every slice");
	}

	@Test
	void anOperationSrdCannotWalkIsNamedToTheUser(@TempDir Path dir) throws IOException {
		Path model = TanhModel.export(dir.resolve("tanh-model"));
		Path image = dir.resolve("flat.tif");
		IJ.saveAsTiff(new ImagePlus("flat", new ij.process.ByteProcessor(8, 8)), image.toString());
		runHeadless("Sharing Ratio Decomposition...", "image='" + image + "',model='" + model + "',save_dir='" + dir.resolve("out") + "'");
		assertTrue(errors.stream().anyMatch(e -> e.contains("ConceptScope Sharing Ratio Decomposition: Operation Tanh (node 'act') is not"
			+ " supported by ConceptScope's graph analysis, which handles [")), errors.toString());
		assertFalse(Files.exists(dir.resolve("out")), "nothing written");
	}

	@Test
	void conceptGraphRunsHeadlessOnAFolderOfImages(@TempDir Path dir) throws IOException {
		Path input = Files.createDirectories(dir.resolve("ct"));
		Files.copy(image("ct-heldout-patches.tif"), input.resolve("a-stack.tif"));
		ImagePlus firstThree = new ij.plugin.SubstackMaker().makeSubstack(IJ.openImage(image("ct-heldout-patches.tif").toString()), "1-3");
		IJ.saveAsTiff(firstThree, input.resolve("b-three.tif").toString());
		Path save = dir.resolve("graph");
		runHeadless("Concept Graph...", "model='" + model("ct-tissue") + "',folder='" + input + "',layers='conv2/relu, conv1/relu'"
			+ ",scope='class',target='soft tissue',concepts=2"
			+ ",samples=200,steps=8,examples=2,output='image',save_dir='" + save + "'");
		assertEquals(List.of(), errors);
		assertEquals(List.of("a-stack-concept-graph-map-RoiSet.zip", "a-stack-concept-graph-map.tif", "b-three-concept-graph-map-RoiSet.zip",
			"b-three-concept-graph-map.tif", "concept-graph-nodes.csv", "concept-graph.csv", "concept-graph.png", "conv1_relu-concepts.json",
			"conv1_relu-erf-montage.tif", "conv2_relu-concepts.json", "conv2_relu-erf-montage.tif"), TestFiles.names(save),
			"the layers, sorted from input to output; one map image per input image");
		org.conceptscope.concepts.ConceptBank bank = org.conceptscope.concepts.ConceptBank.load(save.resolve("conv2_relu-concepts.json"));
		assertEquals(2, bank.size());
		assertEquals(16, bank.channels());
		assertEquals("soft tissue", bank.className);
		for (var ex : bank.examples) for (var e : ex) assertTrue(e.image() >= 0 && e.image() < 15, "12 + 3 images: " + e);
		assertEquals(1 + 2 * (2 + 1) + 2 + 1, Csv.parse(Files.readString(save.resolve("concept-graph.csv"))).size(), "per target its concept edges and a residual edge");
		ImagePlus b = IJ.openImage(save.resolve("b-three-concept-graph-map.tif").toString());
		assertEquals(4, b.getNChannels(), "output=image: 2 + 2 concept maps alone");
		assertEquals(3, b.getNSlices());
	}

	@Test
	void consoleRunByMenuTitleReportsTheModel() throws IOException {
		String log = printed(() -> runHeadless("Model Info...", "model='" + model("ihc-stain") + "',save_dir='" + out + "'"));
		assertEquals(List.of(), errors);
		String info = Files.readString(out.resolve("ihc-stain-info.txt"));
		assertTrue(log.contains(info.strip()), "the report goes to ImageJ's Log (stdout headless), as from the plugin: " + log);
		assertTrue(info.contains("Classes (3):\n  0  background\n  1  hematoxylin\n  2  DAB-positive\n"), info);
		assertTrue(info.contains("Normalisation: unit_range"), info);
	}

	@Test
	void theExplanationIsTheCommandsOutputAndTheInputIsOnlyRead() throws Exception {
		ImagePlus imp = IJ.openImage(image("ihc-heldout-patches.tif").toString());
		int[] firstSlice = ((int[]) imp.getStack().getPixels(1)).clone();
		CommandModule module = context.service(CommandService.class).run(AttributionCommand.class, true, "image", imp,
			"model", model("ihc-stain").toFile(), "method", "occlusion", "patch", 8, "stride", 8).get();
		assertFalse(module.isCanceled(), String.valueOf(module.getCancelReason()));
		ImagePlus explanation = (ImagePlus) module.getOutput("explanation");
		assertEquals("ihc-heldout-patches-occlusion", explanation.getTitle());
		assertEquals(3 + 1, explanation.getNChannels());
		assertEquals(12, explanation.getNSlices());
		assertEquals(12, explanation.getOverlay().size());
		assertArrayEquals(firstSlice, (int[]) imp.getStack().getPixels(1), "the input's pixels are unchanged");
		assertEquals(1, imp.getNChannels(), "the input gained no channel");
	}

	@Test
	void invalidInputsCancelTheCommandWithAMessageAndWriteNothing() throws Exception {
		Path save = out.resolve("results");
		runHeadless(AttributionCommand.class.getName(), "model='" + model("ihc-stain") + "',save_dir='" + save + "'");
		assertTrue(errors.stream().anyMatch(e -> e.contains("No image is open: open an image or stack first")), errors.toString());
		assertFalse(Files.exists(save));

		// image=<a file ImageJ cannot read>: the sentence says the file given could not be read, not only that no image is open
		Path empty = Files.createFile(out.resolve("empty.tif"));
		errors.clear();
		runHeadless(AttributionCommand.class.getName(), "image='" + empty + "',model='" + model("ihc-stain") + "',save_dir='" + save + "'");
		assertTrue(errors.stream().anyMatch(e -> e.contains("if you did, ImageJ could not read that file")), errors.toString());
		assertFalse(Files.exists(save));

		ImagePlus imp = IJ.openImage(image("ihc-heldout-patches.tif").toString());
		CommandModule badTarget = context.service(CommandService.class).run(AttributionCommand.class, true, "image", imp,
			"model", model("ihc-stain").toFile(), "target", "mitochondria").get();
		assertTrue(badTarget.isCanceled());
		assertTrue(badTarget.getCancelReason().startsWith("Target 'mitochondria' is not a class of this model"),
			badTarget.getCancelReason());
		assertEquals(null, badTarget.getOutput("explanation"));

		CommandModule badModel = context.service(CommandService.class).run(ModelInfoCommand.class, true, "model",
			out.resolve("nowhere").toFile()).get();
		assertTrue(badModel.isCanceled(), "info: " + badModel.getOutput("info") + " errors " + errors);
		assertTrue(badModel.getCancelReason().contains("does not exist"), "[" + badModel.getCancelReason() + "] " + errors);
	}

	@Test
	void evaRunsHeadlessByMenuLabelWithCrownBounds() throws IOException {
		Path three = out.resolve("ihc-three.tif");
		IJ.saveAsTiff(new SubstackMaker().makeSubstack(IJ.openImage(testImages.resolve("images/ihc-heldout-patches.tif").toString()), "1-3"),
			three.toString());
		Path save = out.resolve("eva");
		runHeadless("Attribution...", "image='" + three + "',model='" + testImages.resolve("models/ihc-stain")
			+ "',method='eva',epsilon=0.004,grid=4,bounds='crown',output='image',save_dir='" + save + "'");
		assertEquals(List.of(), errors);
		assertEquals(List.of("ihc-three-eva-map-RoiSet.zip", "ihc-three-eva-map.tif", "ihc-three-eva-results.csv"), TestFiles.names(save));
		List<List<String>> csv = Csv.parse(Files.readString(save.resolve("ihc-three-eva-results.csv")));
		List<String> h = csv.get(0);
		assertEquals(1 + 3, csv.size());
		for (List<String> row : csv.subList(1, 4)) {
			double margin = Double.parseDouble(row.get(h.indexOf("margin"))), lower = Double.parseDouble(row.get(h.indexOf("margin_lower_bound"))),
				upper = Double.parseDouble(row.get(h.indexOf("margin_upper_bound")));
			assertTrue(lower <= margin && margin <= upper, row.toString());
			// CROWN verifies these three patches at this radius: no image within 0.004 (about 1 grey level) changes the class
			assertTrue(lower > 0, "verified robust: " + row);
			assertEquals("1", row.get(h.indexOf("verified")), row.toString());
		}
	}

	@Test
	void megeRecoRunsHeadlessOnALabelledFolderWithoutAnImage(@TempDir Path dir) throws IOException {
		Path folder = org.conceptscope.testmodels.LabelledPatchFolders.ct(dir.resolve("ct labelled"), 20);
		Path save = dir.resolve("results");
		runHeadless("Evaluate Explanation...", "model='" + testImages.resolve("models/ct-tissue") + "',metric='mege_reco',folder='" + folder
			+ "',methods='gradient_x_input, random',folds=3,training_steps=150,seed=7,save_dir='" + save + "'");
		assertEquals(List.of(), errors);
		assertEquals(List.of("ct labelled-mege_reco.csv"), TestFiles.names(save));
		List<List<String>> csv = Csv.parse(Files.readString(save.resolve("ct labelled-mege_reco.csv")));
		assertEquals(List.of("method", "mege", "reco", "same_pairs", "different_pairs", "undefined_pairs", "fold_1_accuracy", "fold_2_accuracy",
			"fold_3_accuracy"), csv.get(0));
		assertEquals("gradient_x_input", csv.get(1).get(0));
		assertEquals("random", csv.get(2).get(0));
		for (List<String> row : csv.subList(1, 3)) {
			for (int c = 1; c <= 2; c++) {
				double v = Double.parseDouble(row.get(c));
				assertTrue(v >= 0 && v <= 1, row.toString());
			}
			for (int c = 6; c < 9; c++) assertTrue(Double.parseDouble(row.get(c)) > 0.6, "each fold model learned air / soft tissue / bone: " + row);
		}
		assertTrue(Double.parseDouble(csv.get(1).get(1)) > Double.parseDouble(csv.get(2).get(1)), "gradient x input above random: " + csv);

		runHeadless("Evaluate Explanation...", "model='" + testImages.resolve("models/ct-tissue") + "',metric='mege_reco',folder='" + folder
			+ "',methods='saliency, smoothgrad2',save_dir='" + dir.resolve("typo") + "'");
		assertTrue(errors.stream().anyMatch(e -> e.contains("Unknown method 'smoothgrad2' in methods")), errors.toString());
		assertFalse(Files.exists(dir.resolve("typo")), "nothing written");
	}

	@Test
	void pathInputsLeftOutOrEmptyAreNotSetAndNeedNoFileChooser(@TempDir Path dir) throws Exception {
		// save_dir is a File input: left out, SciJava's FilePreprocessor would open a chooser (headless: cancel the run)
		String log = printed(() -> runHeadless("Model Info...", "model='" + model("ct-tissue") + "'"));
		assertEquals(List.of(), errors);
		assertTrue(log.contains("Classes (3):"), log);
		CommandModule m = context.service(CommandService.class).run(ModelInfoCommand.class, true, "model", model("ct-tissue").toFile()).get();
		assertFalse(m.isCanceled(), String.valueOf(m.getCancelReason()));
		assertTrue(((String) m.getOutput("info")).contains("Classes (3):"));
		// an empty value is "not set" too: nothing is written anywhere
		Path here = Path.of("").toAbsolutePath();
		List<String> before = TestFiles.names(here);
		runHeadless("Model Info...", "model='" + model("ct-tissue") + "',save_dir=''");
		assertEquals(List.of(), errors);
		assertEquals(before, TestFiles.names(here));
		runHeadless("Model Info...", "model='" + model("ct-tissue") + "',save_dir='" + dir.resolve("info") + "'");
		assertEquals(List.of("ct-tissue-info.txt", "ct-tissue-layers.csv"), TestFiles.names(dir.resolve("info")));
	}

	@Test
	void evaluationAndFeatureVisualizationWriteTheirLogLinesAsThePluginsDo() {
		String log = printed(() -> {
			runHeadless("Evaluate Explanation...", "image='" + image("ct-heldout-patches.tif") + "',model='" + model("ct-tissue")
				+ "',method='saliency',metric='deletion',steps=4");
			runHeadless("Feature Visualization...", "image='" + image("ct-heldout-patches.tif") + "',model='" + model("ct-tissue")
				+ "',target='bone',steps=4");
		});
		assertEquals(List.of(), errors);
		java.util.regex.Matcher mean = java.util.regex.Pattern.compile("ConceptScope saliency deletion: mean (\\S+)").matcher(log);
		assertTrue(mean.find(), log);
		// 6 significant digits, as ImageJ shows numbers (the table keeps the full value): not 0.6717080188428781
		assertEquals(String.format(java.util.Locale.ROOT, "%.6g", Double.parseDouble(mean.group(1))), mean.group(1), log);
		assertTrue(log.matches("(?s).*ConceptScope MACO bone: target score \\S+ at the start, \\S+ after 4 steps\\..*"), log);
	}

	/** What the run printed on stdout, where ImageJ's Log goes when headless. */
	private static String printed(Runnable run) {
		return Printed.during(run);
	}

	/**
	 * What {@code ImageJ --headless --run <command> <args>} does: the console arguments queue the
	 * run, the launcher then executes the startup operations. Arguments are parsed as SciJava
	 * expressions: key=value pairs separated by commas, text in quotes.
	 */
	private void runHeadless(String command, String args) {
		context.service(ConsoleService.class).processArgs("--headless", "--run", command, args);
		context.service(StartupService.class).executeOperations();
	}

	private Path image(String name) {
		return testImages.resolve("images").resolve(name);
	}

	private Path model(String name) {
		return testImages.resolve("models").resolve(name);
	}
}
