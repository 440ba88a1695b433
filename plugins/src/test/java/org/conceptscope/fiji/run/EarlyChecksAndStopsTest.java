package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.conceptscope.fiji.Printed;
import org.conceptscope.fiji.TestFiles;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A typo is refused before the long work (a folder read, the stack through the model), and the long steps
 * report progress and stop when asked: Concept Graph, Concept Discovery, SRD, Concept Localization, TCAV,
 * Feature Visualization and Nearest Examples as a user runs them on the IHC stain model. SRD warns about an
 * image far from the model's domain, and Nearest Examples about class subfolders of other pixels, as every
 * other image command does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EarlyChecksAndStopsTest {

	@TempDir
	static Path work;

	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");
	private Path folder;
	private ImagePlus patches;

	@BeforeAll
	void images() throws Exception {
		patches = IJ.openImage(TestFiles.testImages().resolve("images/ihc-heldout-patches.tif").toString());
		folder = Files.createDirectories(work.resolve("folder"));
		for (int i = 1; i <= 3; i++) {
			assertTrue(IJ.saveAsTiff(new ImagePlus("p" + i, patches.getStack().getProcessor(i).duplicate()), folder.resolve("p" + i + ".tif").toString()));
		}
	}

	/** Every report, as "message done/total". */
	static Progress recording(List<String> reports) {
		return (done, total, message) -> {
			reports.add(message + " " + done + "/" + total);
			return true;
		};
	}

	@Test
	void conceptGraphRefusesAMistypedLayerOrClassBeforeReadingTheFolder() {
		ConceptGraphSettings s = new ConceptGraphSettings();
		s.model = model;
		s.folder = folder;
		s.saveDir = work.resolve("graph-out");
		s.layers = "conv2/relu,conv9";
		List<String> reports = new ArrayList<>();
		IllegalArgumentException layer = assertThrows(IllegalArgumentException.class, () -> ConceptGraphRun.run(null, s, recording(reports)));
		assertTrue(layer.getMessage().startsWith("Unknown layer 'conv9'"), layer.getMessage());
		s.layers = "conv2/relu";
		s.scope = ConceptGraphSettings.SCOPE_CLASS;
		s.target = "DAB-positve";
		IllegalArgumentException target = assertThrows(IllegalArgumentException.class, () -> ConceptGraphRun.run(null, s, recording(reports)));
		assertTrue(target.getMessage().contains("DAB-positve"), target.getMessage());
		assertEquals(List.of(), reports, "no image read");
		assertFalse(Files.exists(s.saveDir));
	}

	/** Concept Graph keeps every image's maps until it saves them: a folder whose maps the heap cannot hold is refused before the graph is built. */
	@Test
	void conceptGraphRefusesMapsTheHeapCannotHoldBeforeTheGraph() {
		org.conceptscope.fiji.image.ImageSet big = new org.conceptscope.fiji.image.ImageSet(List.of(new ImagePlus("slide", new ij.process.ByteProcessor(2048, 2048))));
		ConceptGraphRun.checkMapsMemory(big, 6, true); // 7 planes of 4 M values: fits
		int concepts = (int) (Runtime.getRuntime().maxMemory() / (4L * 2048 * 2048)) + 10;
		String m = assertThrows(IllegalArgumentException.class, () -> ConceptGraphRun.checkMapsMemory(big, concepts, false)).getMessage();
		assertTrue(m.startsWith("The concept maps of 1 image(s), " + concepts + " concept(s) each ("), m);
		assertTrue(m.contains("map a smaller folder, fewer layers or concepts at a time, or give ImageJ more memory") && !m.contains("batch runner"), m);
	}

	@Test
	void conceptGraphStopsBetweenTheImagesMaps() {
		ConceptGraphSettings s = new ConceptGraphSettings();
		s.model = model;
		s.folder = folder;
		s.saveDir = work.resolve("graph-stopped");
		s.layers = "conv2/relu,conv3/relu";
		s.scope = ConceptGraphSettings.SCOPE_CLASS;
		s.concepts = 2;
		s.samples = 50;
		s.steps = 4;
		s.examples = 2;
		List<String> reports = new ArrayList<>();
		assertThrows(CancellationException.class, () -> ConceptGraphRun.run(null, s, (done, total, message) -> {
			reports.add(message + " " + done + "/" + total);
			return !(message.equals("concept maps") && done == 1);
		}));
		assertTrue(reports.containsAll(List.of("concept maps 0/3", "concept maps 1/3")), reports.toString());
		assertFalse(reports.contains("concept maps 2/3"), reports.toString());
		assertFalse(Files.exists(s.saveDir), "nothing written");
	}

	@Test
	void conceptDiscoveryRefusesAMistypedLayerOrClassBeforeReadingTheFolder() {
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = model;
		s.folder = folder;
		s.saveDir = work.resolve("discovery-out");
		s.layer = "conv9";
		List<String> reports = new ArrayList<>();
		IllegalArgumentException layer = assertThrows(IllegalArgumentException.class, () -> ConceptDiscoveryRun.run(null, s, recording(reports)));
		assertTrue(layer.getMessage().startsWith("Unknown layer 'conv9'. Layers of this model:"), layer.getMessage());
		s.layer = "";
		s.target = "DAB-positve";
		IllegalArgumentException target = assertThrows(IllegalArgumentException.class, () -> ConceptDiscoveryRun.run(null, s, recording(reports)));
		assertTrue(target.getMessage().contains("DAB-positve"), target.getMessage());
		s.perClass = true;
		IllegalArgumentException perClass = assertThrows(IllegalArgumentException.class, () -> ConceptDiscoveryRun.perClass(s, recording(reports)));
		assertEquals(target.getMessage(), perClass.getMessage());
		assertEquals(List.of(), reports, "no image read");
	}

	@Test
	void headTrainingRefusesAMistypedLayerBeforeReadingTheFolder() throws Exception {
		Path labelled = work.resolve("labelled");
		String[] classes = { "background", "hematoxylin", "DAB-positive" };
		for (int k = 0; k < 3; k++) {
			Files.createDirectories(labelled.resolve(classes[k]));
			Files.copy(folder.resolve("p" + (k + 1) + ".tif"), labelled.resolve(classes[k]).resolve("p.tif"));
		}
		HeadTrainingSettings s = new HeadTrainingSettings();
		s.model = model;
		s.folder = labelled;
		s.saveDir = work.resolve("head-out");
		s.layer = "conv9";
		List<String> reports = new ArrayList<>();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeadTrainingRun.run(s, recording(reports)));
		assertTrue(e.getMessage().startsWith("The model has no layer 'conv9'"), e.getMessage());
		assertEquals(List.of(), reports, "no image read");
		assertFalse(Files.exists(s.saveDir));
	}

	/**
	 * Bi-ICE's sizes have upper bounds (a typo of 100000 concepts would fill the memory) and the dimension a lower one (its layer
	 * norms leave d - 2 degrees of freedom), checked with the settings.
	 */
	@Test
	void headTrainingRefusesSizesBeyondTheLimitsBeforeTheModelOpens() throws Exception {
		HeadTrainingSettings s = new HeadTrainingSettings();
		s.model = model;
		s.folder = folder;
		s.saveDir = work.resolve("limits-out");
		s.head = HeadTrainingSettings.BI_ICE;
		s.concepts = org.conceptscope.heads.BiIce.MAX_CONCEPTS + 1;
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::validate);
		assertEquals("concepts=1025 is more than 1024, the most ConceptScope allows (each one costs model passes or"
			+ " memory for every image); use a value of at most 1024.", e.getMessage());
		s.concepts = 6;
		s.dimension = 5000;
		assertTrue(assertThrows(IllegalArgumentException.class, s::validate).getMessage().startsWith("dimension=5000"));
		s.dimension = 2; // below the layer norms' minimum: trained silently into duplicate concepts (1: a bias-only head) before
		assertEquals("dimension must be at least 3, got 2: the layer norms remove each embedding's mean and scale, so dimension 1 scores"
			+ " every patch 0 (a head that predicts its bias alone) and dimension 2 leaves two directions for all the concepts; set dimension=3 or more.",
			assertThrows(IllegalArgumentException.class, s::validate).getMessage());
		s.dimension = 16;
		s.iterations = 101;
		assertTrue(assertThrows(IllegalArgumentException.class, s::validate).getMessage().startsWith("iterations=101"));
		s.iterations = 3;
		s.validate();
		assertFalse(Files.exists(s.saveDir));
	}

	/** Explain with Head keeps every slice's maps and builds a new image of them: refused before the heap runs out. */
	@Test
	void explainWithHeadRefusesMapsTheHeapCannotHold() {
		ImagePlus big = new ImagePlus("slide", new ij.process.ByteProcessor(2048, 2048));
		HeadExplanationRun.checkMapsMemory(big, 3); // 7 planes of 4 M values: fits
		int maps = (int) (Runtime.getRuntime().maxMemory() / (8L * 2048 * 2048)) + 10;
		String m = assertThrows(IllegalArgumentException.class, () -> HeadExplanationRun.checkMapsMemory(big, maps)).getMessage();
		assertTrue(m.startsWith("The " + maps + " map(s) of 1 slice(s) of 'slide' (" + (2048L * 2048 * (2L * maps + 1)) + " values) needs about "), m);
		assertTrue(m.contains("explain fewer slices at a time (a substack) or show fewer parts per slice (top), or give ImageJ more memory"), m);
	}

	@Test
	void conceptImportanceRefusesABankOfAnotherModelBeforeReadingTheFolder() throws Exception {
		org.conceptscope.concepts.ConceptBank bank = new org.conceptscope.concepts.ConceptBank();
		bank.layer = "block4/conv";
		bank.className = "bone";
		bank.classIndex = 1;
		bank.concepts = new double[][] { { 1, 0 }, { 0, 1 } };
		Path file = work.resolve("other-model-concepts.json");
		bank.save(file);
		ConceptImportanceSettings s = new ConceptImportanceSettings();
		s.model = model;
		s.concepts = file;
		s.folder = folder;
		s.saveDir = work.resolve("importance-out");
		List<String> reports = new ArrayList<>();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConceptImportanceRun.run(null, s, recording(reports)));
		assertTrue(e.getMessage().contains("were found at layer 'block4/conv', which model"), e.getMessage());
		assertEquals(List.of(), reports, "no image read");
	}

	@Test
	void srdRefusesAMistypedStartLayerBeforeTheStackGoesThroughTheModel() {
		SharingRatioSettings s = new SharingRatioSettings();
		s.model = model;
		s.startLayer = "conv9";
		List<String> reports = new ArrayList<>();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SharingRatioRun.run(patches, s, recording(reports)));
		assertTrue(e.getMessage().startsWith("The start layer 'conv9' is not on the path from the input to the logits; spatial layers on it: ["),
			e.getMessage());
		assertTrue(e.getMessage().contains("conv2/relu"), e.getMessage());
		assertEquals(List.of(), reports, "no slice decomposed");
	}

	@Test
	void srdWarnsAboutAnImageFarFromTheModelsDomain() {
		ij.process.ImageProcessor negative = patches.getStack().getProcessor(2).duplicate();
		negative.invert();
		SharingRatioSettings s = new SharingRatioSettings();
		s.model = model;
		s.erfLayer = "";
		String log = Printed.during(() -> {
			try {
				SharingRatioRun.run(new ImagePlus("negative", negative), s, Progress.NONE);
			} catch (java.io.IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		});
		assertTrue(log.contains("ConceptScope warning: The image 'negative' is far from what the model was trained on"), log);
	}

	@Test
	void tcavRefusesAMistypedLayerOrClassBeforeReadingItsFolders() {
		TcavSettings s = new TcavSettings();
		s.model = model;
		s.folder = folder;
		s.concepts = work; // its subfolders are concepts
		s.random = folder;
		s.saveDir = work.resolve("tcav-out");
		s.layers = "conv9";
		List<String> reports = new ArrayList<>();
		IllegalArgumentException layer = assertThrows(IllegalArgumentException.class, () -> TcavRun.run(null, s, recording(reports)));
		assertTrue(layer.getMessage().startsWith("Unknown layer 'conv9'."), layer.getMessage());
		s.layers = "conv2/relu";
		s.target = "DAB-positve";
		IllegalArgumentException target = assertThrows(IllegalArgumentException.class, () -> TcavRun.run(null, s, recording(reports)));
		assertTrue(target.getMessage().contains("DAB-positve"), target.getMessage());
		// no concept folder: the ROIs of the current image are the concepts, and there is no image (then one without ROIs)
		s.target = "predicted";
		s.concepts = null;
		IllegalArgumentException noImage = assertThrows(IllegalArgumentException.class, () -> TcavRun.run(null, s, recording(reports)));
		assertTrue(noImage.getMessage().startsWith("No image is open"), noImage.getMessage());
		ij.ImagePlus plain = ij.IJ.createImage("plain", "8-bit noise", 64, 64, 1);
		IllegalArgumentException noRois = assertThrows(IllegalArgumentException.class, () -> TcavRun.run(plain, s, recording(reports)));
		assertTrue(noRois.getMessage().startsWith("No concepts: set concepts=["), noRois.getMessage());
		assertEquals(List.of(), reports, "no image read");
	}

	@Test
	void featureVisualizationRefusesAMistypedClassOrCanvasBeforeReadingTheFolder() {
		FeatureVisualizationSettings s = new FeatureVisualizationSettings();
		s.model = model;
		s.folder = folder;
		s.saveDir = work.resolve("fv-out");
		s.target = "DAB-positve";
		List<String> reports = new ArrayList<>();
		IllegalArgumentException target = assertThrows(IllegalArgumentException.class, () -> FeatureVisualizationRun.run(null, s,
			recording(reports)));
		assertTrue(target.getMessage().contains("DAB-positve"), target.getMessage());
		s.target = "DAB-positive";
		s.recipe = FeatureVisualizationRun.REFERENCE;
		s.canvas = 16;
		IllegalArgumentException canvas = assertThrows(IllegalArgumentException.class, () -> FeatureVisualizationRun.run(null, s,
			recording(reports)));
		assertTrue(canvas.getMessage().startsWith("canvas must be 0 (automatic) or at least the model input (32 x 32), got 16."), canvas.getMessage());
		assertEquals(List.of(), reports, "no image read");
	}

	@Test
	void nearestExamplesRefusesACaseImageBeforeReadingTheTrainingFolder() {
		ExamplesSettings s = new ExamplesSettings();
		s.model = model;
		s.folder = folder;
		s.saveDir = work.resolve("examples-out");
		ij.process.ImageProcessor small = patches.getProcessor().duplicate();
		small.setRoi(0, 0, 20, 20);
		List<String> reports = new ArrayList<>();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExamplesRun.run(new ImagePlus("small", small.crop()), s,
			recording(reports)));
		assertTrue(e.getMessage().contains("20"), e.getMessage());
		assertEquals(List.of(), reports, "no training image read");
	}

	/** Projecting the training examples through the model reports per part of 64 and stops there: 100 training images. */
	@Test
	void nearestExamplesProjectsTheTrainingSetInPartsThatCanBeStopped() throws Exception {
		Path training = Files.createDirectories(work.resolve("training"));
		TestFiles.cyclingStack(patches, 100, training.resolve("hundred.tif"));
		ExamplesSettings s = new ExamplesSettings();
		s.model = model;
		s.folder = training;
		s.neighbours = 0;
		s.prototypes = 2;
		s.saveDir = work.resolve("examples-stopped");
		List<String> reports = new ArrayList<>();
		assertThrows(CancellationException.class, () -> ExamplesRun.run(null, s, (done, total, message) -> {
			if (message.equals("training examples")) reports.add(done + "/" + total);
			return !(message.equals("training examples") && done == 64);
		}));
		// one count over the phases: 100 training images, the rows of distances, one selection
		long total = 100 + (org.conceptscope.tensor.FeatureColumns.groups(100) + 1) / 2 + 1;
		assertEquals(List.of("0/" + total, "64/" + total), reports);
		assertFalse(Files.exists(s.saveDir), "nothing written");
	}

	/**
	 * An Esc pressed after the search's last report, while the montages are built, stops the run before it writes (it used to
	 * write its files all the same, the Esc unread).
	 */
	@Test
	void nearestExamplesStopsBeforeWritingWhenCancelledAfterTheSearch() {
		ExamplesSettings s = new ExamplesSettings();
		s.model = model;
		s.folder = folder;
		s.neighbours = 2;
		s.prototypes = 1;
		s.saveDir = work.resolve("examples-cancelled-late");
		List<String> reports = new ArrayList<>();
		boolean[] escaped = { false };
		assertThrows(CancellationException.class, () -> ExamplesRun.run(patches, s, (done, total, message) -> {
			reports.add(message + " " + done + "/" + total);
			boolean goOn = !escaped[0];
			escaped[0] |= total > 0 && done == total; // the search's last report (reading the folder never reports its end)
			return goOn;
		}));
		assertTrue(reports.size() >= 2 && reports.get(reports.size() - 2).matches(".* (\\d+)/\\1"), "the search ended first: " + reports);
		assertFalse(Files.exists(s.saveDir), "nothing written");
	}

	/** Class subfolders of images at another pixel size than the model's card get the warning a plain folder gets. */
	@Test
	void classSubfoldersOfOtherPixelsAreWarnedAbout() throws Exception {
		Path calibrated = Files.createDirectories(work.resolve("calibrated-model"));
		try (java.util.stream.Stream<Path> files = Files.walk(model)) {
			for (Path f : (Iterable<Path>) files::iterator) {
				Path to = calibrated.resolve(model.relativize(f).toString());
				if (Files.isDirectory(f)) Files.createDirectories(to);
				else Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
			}
		}
		com.google.gson.JsonObject card = com.google.gson.JsonParser.parseString(Files.readString(calibrated.resolve("conceptscope.json")))
			.getAsJsonObject();
		card.add("pixel_size", com.google.gson.JsonParser.parseString("{\"x\": 0.5, \"y\": 0.5, \"unit\": \"micron\"}"));
		Files.writeString(calibrated.resolve("conceptscope.json"), card.toString());
		Path classes = work.resolve("classes");
		for (String c : List.of("background", "hematoxylin")) {
			Path dir = Files.createDirectories(classes.resolve(c));
			for (int i = 1; i <= 2; i++) {
				ImagePlus one = new ImagePlus(c + i, patches.getStack().getProcessor(i + (c.equals("background") ? 0 : 2)).duplicate());
				one.getCalibration().setUnit("micron");
				one.getCalibration().pixelWidth = one.getCalibration().pixelHeight = 1;
				assertTrue(IJ.saveAsTiff(one, dir.resolve(c + i + ".tif").toString()));
			}
		}
		ExamplesSettings s = new ExamplesSettings();
		s.model = calibrated;
		s.folder = classes;
		s.neighbours = 0;
		s.prototypes = 1;
		s.saveDir = work.resolve("examples-calibrated");
		String log = Printed.during(() -> {
			try {
				ExamplesRun.run(null, s, Progress.NONE);
			} catch (java.io.IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		});
		assertTrue(log.contains("ConceptScope warning: The model IHC stain classifier was trained on pixels of 0.5000 x 0.5000 micron but this"
			+ " image's pixels are 1.000 x 1.000 micron (2.00 times as large)"), log);
	}

	/** random_logit explains the stack twice (the target, then another class): the second pass reports progress too. */
	@Test
	void randomLogitsSecondPassReportsProgress() throws Exception {
		EvaluationSettings s = new EvaluationSettings();
		s.model = model;
		s.method = "occlusion";
		s.metric = "random_logit";
		s.saveDir = work.resolve("random-logit");
		List<Double> fractions = new ArrayList<>();
		EvaluationRun.run(patches, s, (done, total, message) -> {
			fractions.add(done / (double) total);
			return true;
		});
		assertTrue(fractions.stream().anyMatch(f -> f > 0.5 && f < 1), "reports within the second pass: " + fractions);
	}

	@Test
	void evaluateExplanationBoundsItsCountsBeforeTheRun() {
		EvaluationSettings s = new EvaluationSettings();
		s.model = model;
		s.steps = 200_000;
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::validate);
		assertTrue(e.getMessage().startsWith("steps=200000 is more than 100000"), e.getMessage());
		s.steps = 16;
		s.neighbours = 0;
		assertThrows(IllegalArgumentException.class, s::validate);
	}

	@Test
	void conceptLocalizationOfALongStackStopsBetweenParts() throws Exception {
		ConceptDiscoverySettings d = new ConceptDiscoverySettings();
		d.model = model;
		d.concepts = 3;
		d.designs = 4;
		d.saveDir = work.resolve("bank");
		ConceptDiscoveryRun.run(patches, d, Progress.NONE);
		ImagePlus stack = IJ.openImage(TestFiles.cyclingStack(patches, 40, work.resolve("long.tif")).toString());
		ConceptLocalizationSettings s = new ConceptLocalizationSettings();
		s.model = model;
		s.concepts = d.saveDir.resolve(ConceptDiscoveryRun.BANK);
		s.saveDir = work.resolve("localization-out");
		List<String> reports = new ArrayList<>();
		assertThrows(CancellationException.class, () -> ConceptLocalizationRun.run(stack, s, (done, total, message) -> {
			reports.add(message + " " + done + "/" + total);
			return !(message.equals("concept maps") && done >= 16);
		}));
		assertEquals(List.of("concept maps 0/40", "concept maps 16/40"), reports);
		assertFalse(Files.exists(s.saveDir), "nothing written");
	}
}
