package org.conceptscope.fiji;

import org.conceptscope.fiji.image.ImagePlusTensors;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.write.RoiWriter;
import org.conceptscope.heads.BiIce;
import org.conceptscope.heads.InterpretableHead;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * train_interpretable_head.ijm (InfoDisent and Bi-ICE) on a folder of real labelled IHC patches,
 * explain_with_head.ijm with each saved head on the bundled IHC stack, and feature_visualization.ijm
 * twice with one seed, run end to end through ImageJ 1.x's macro interpreter, headless, in one child
 * JVM ({@link MacroRunner}); the tests read back every file and recompute what they can.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeadMacrosTest {

	/**
	 * Held-out accuracy margin: 36 held-out images, so one image is 0.028; four may go either way. A head's training
	 * follows the CPU's float rounding (TensorFlow's kernels differ by instruction set): with 18 held-out images, one
	 * AMD EPYC put the Bi-ICE head 3 images (0.17) below the backbone where other machines passed.
	 */
	static final double MARGIN = 0.12;
	static final List<String> CLASSES = List.of("background", "hematoxylin", "DAB-positive");

	@TempDir
	static Path work;

	private Map<String, String> logs;
	private Map<Path, Integer> files;
	private Path folder;

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		folder = work.resolve("ihc-classes");
		files = org.conceptscope.testmodels.LabelledPatchFolders.ihcFiles(folder, 60);
		Path wrong = work.resolve("wrong-classes");
		Files.createDirectories(wrong.resolve("tumour"));
		Files.createDirectories(wrong.resolve("background"));
		Map<String, Macro> runs = new LinkedHashMap<>();
		for (String head : List.of("infodisent", "bi_ice")) {
			runs.put("train " + head, new Macro(macro("train_interpretable_head.ijm"), "folder=[" + folder + "] model=[" + model()
				+ "] save_dir=[" + work.resolve(head) + "] head=" + head));
			runs.put("explain " + head, new Macro(macro("explain_with_head.ijm"), "image=[" + stack() + "] model=[" + model()
				+ "] head=[" + work.resolve(head).resolve("head") + "] save_dir=[" + work.resolve("explain-" + head) + "]"));
		}
		// every part, for or against the target: the rows and the bias row make the target logit
		runs.put("explain against", new Macro("setBatchMode(true); open('" + stack() + "');\nrun('Explain with Head...', 'model=[" + model()
			+ "] head=[" + work.resolve("infodisent").resolve("head") + "] top=100000 against=true save_dir=[" + work.resolve("explain-against")
			+ "]');\n", ""));
		for (String run : List.of("maco-a", "maco-b")) {
			runs.put(run, new Macro(macro("feature_visualization.ijm"), "image=[" + stack() + "] model=[" + model()
				+ "] target=[DAB-positive] recipe=simple save_dir=[" + work.resolve(run) + "]"));
		}
		runs.put("maco-part", new Macro(macro("feature_visualization.ijm"), "image=[" + stack() + "] model=[" + model()
			+ "] head=[" + work.resolve("infodisent").resolve("head") + "] target=[part 1] recipe=simple save_dir=[" + work.resolve("maco-part")
			+ "]"));
		runs.put("wrong folders", new Macro("run('Train Interpretable Head...', 'model=[" + model() + "] folder=[" + wrong
			+ "] save_dir=[" + work.resolve("wrong") + "]');\nprint('still running');\n", ""));
		runs.put("wrong model", new Macro("setBatchMode(true); open('" + TestFiles.testImages().resolve("images/ct-heldout-patches.tif")
			+ "');\nrun('Explain with Head...', 'model=[" + TestFiles.testImages().resolve("models/ct-tissue") + "] head=["
			+ work.resolve("infodisent").resolve("head") + "]');\n", ""));
		runs.put("maco part too large", new Macro("setBatchMode(true); open('" + stack() + "');\nrun('Feature Visualization...', 'model=[" + model() + "] head=["
			+ work.resolve("infodisent").resolve("head") + "] target=[part 99999999999] steps=1 save_dir=[" + work.resolve("maco-wrong")
			+ "]');\nprint('still running');\n", ""));
		runs.put("maco class typo", new Macro("setBatchMode(true); open('" + stack() + "');\nrun('Feature Visualization...', 'model=[" + model() + "] target=[tumour] steps=1 save_dir=["
			+ work.resolve("maco-wrong") + "]');\nprint('still running');\n", ""));
		// a Bi-ICE head, then an InfoDisent head in the same folder (overwrite): the Bi-ICE convergence curve goes with the head it belonged to
		runs.put("switch heads", new Macro("setBatchMode(true);\nrun('Train Interpretable Head...', 'model=[" + model() + "] folder=[" + folder + "] head=bi_ice"
			+ " steps=20 prototypes=2 save_dir=[" + work.resolve("switch") + "]');\nrun('Train Interpretable Head...', 'model=[" + model()
			+ "] folder=[" + folder + "] head=infodisent steps=20 prototypes=2 save_dir=[" + work.resolve("switch") + "] overwrite');\n"
			+ "print('both trained');\nclose('*');\n", ""));
		// in batch mode each result is the macro's current image, as ImageJ's own commands' results are
		runs.put("results are images", new Macro("setBatchMode(true); open('" + stack() + "'); stack = getTitle();\n"
			+ "run('Feature Visualization...', 'model=[" + model() + "] target=[DAB-positive] steps=3');\nprint('result: ' + getTitle());\n"
			+ "selectImage(stack);\nrun('Explain with Head...', 'model=[" + model() + "] head=[" + work.resolve("infodisent").resolve("head")
			+ "]');\nprint('result: ' + getTitle());\nrun('Train Interpretable Head...', 'model=[" + model() + "] folder=[" + folder
			+ "] steps=20 prototypes=2 save_dir=[" + work.resolve("batch-train") + "]');\nprint('result: ' + getTitle());\n"
			+ "print('images: ' + nImages);\nclose('*');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void bothHeadsAreSavedReloadAndGiveTheLogitsOfTheRun() throws Exception {
		try (TensorFlowClassifier backbone = TensorFlowClassifier.load(model())) {
			for (String kind : List.of("infodisent", "bi_ice")) {
				Path dir = work.resolve(kind);
				assertFalse(logs.get("train " + kind).contains("Error"), logs.get("train " + kind));
				List<String> expected = new ArrayList<>(List.of("accuracy.csv", "head", "heldout.csv", "prototypes.tif", "units.csv"));
				if (kind.equals("bi_ice")) expected.addAll(1, List.of("convergence.csv", "convergence.png"));
				assertEquals(expected, TestFiles.names(dir));
				List<List<String>> held = Csv.parse(Files.readString(dir.resolve("heldout.csv")));
				assertEquals(List.of("index", "image", "class", "backbone_predicted", "head_predicted", "head_logit_background",
					"head_logit_hematoxylin", "head_logit_DAB-positive"), held.get(0));
				assertEquals(1 + 3 * 12, held.size(), "held_out=0.2 of 60 images per class: 12 per class");
				Map<String, Integer> perClass = new HashMap<>();
				List<FloatTensor> images = new ArrayList<>();
				int[] labels = new int[held.size() - 1];
				double[][] logged = new double[labels.length][3];
				for (int r = 1; r < held.size(); r++) {
					List<String> row = held.get(r);
					Path file = file(row.get(1));
					labels[r - 1] = files.get(file);
					assertEquals(CLASSES.get(labels[r - 1]), row.get(2), "the class is the image's subfolder");
					perClass.merge(row.get(2), 1, Integer::sum);
					images.add(ImagePlusTensors.toTensor(IJ.openImage(file.toString()), backbone.normalization()).tensor());
					for (int y = 0; y < 3; y++) logged[r - 1][y] = Double.parseDouble(row.get(5 + y));
				}
				assertEquals(Map.of("background", 12, "hematoxylin", 12, "DAB-positive", 12), perClass);
				FloatTensor batch = FloatTensor.concat(images);
				InterpretableHead head = InterpretableHead.load(dir.resolve("head"));
				assertEquals(kind, head.kind());
				FloatTensor features = backbone.activations(batch, head.layer());
				double[][] again = head.logits(features);
				try (TensorFlowClassifier graph = TensorFlowClassifier.load(dir.resolve("head"))) {
					FloatTensor fromGraph = graph.logits(features);
					for (int i = 0; i < labels.length; i++) for (int y = 0; y < 3; y++) {
						double tol = 1e-4 * Math.max(1, Math.abs(logged[i][y]));
						assertEquals(logged[i][y], again[i][y], tol, kind + " reloaded, image " + i + " class " + y);
						assertEquals(logged[i][y], fromGraph.get(i, y), 1e-3 * Math.max(1, Math.abs(logged[i][y])), kind + " SavedModel graph");
					}
				}
				int[] backbonePred = backbone.logits(batch).argmaxRows();
				int headOk = 0, backboneOk = 0;
				for (int i = 0; i < labels.length; i++) {
					assertEquals(CLASSES.get(backbonePred[i]), held.get(i + 1).get(3));
					int h = argmax(again[i]);
					assertEquals(CLASSES.get(h), held.get(i + 1).get(4));
					if (h == labels[i]) headOk++;
					if (backbonePred[i] == labels[i]) backboneOk++;
				}
				List<List<String>> acc = Csv.parse(Files.readString(dir.resolve("accuracy.csv")));
				assertEquals(List.of("model", "held_out_images", "accuracy", "agreement_with_backbone"), acc.get(0));
				double headAcc = Double.parseDouble(acc.get(1).get(2)), backboneAcc = Double.parseDouble(acc.get(2).get(2));
				assertEquals(headOk / 36.0, headAcc, 1e-5, "the table's head accuracy is the held-out images'");
				assertEquals(backboneOk / 36.0, backboneAcc, 1e-5, "the table's backbone accuracy is the held-out images'");
				assertTrue(headAcc >= backboneAcc - MARGIN, kind + " head " + headAcc + " vs backbone " + backboneAcc + " (margin " + MARGIN + ")");
				try (TensorFlowClassifier graph = TensorFlowClassifier.load(dir.resolve("head"))) {
					assertEquals(headAcc, ((Number) graph.config().metadata.get("head_accuracy")).doubleValue(), 1e-5, "metadata = table");
					assertEquals(CLASSES, graph.classNames());
				}
			}
		}
	}

	@Test
	void theMontageShowsEachUnitsTopPatchesCutFromTheTrainingImages() throws IOException {
		for (String kind : List.of("infodisent", "bi_ice")) {
			Path dir = work.resolve(kind);
			String unit = kind.equals("bi_ice") ? "concept" : "part";
			ImagePlus montage = IJ.openImage(dir.resolve("prototypes.tif").toString());
			Overlay overlay = montage.getOverlay();
			List<List<String>> units = Csv.parse(Files.readString(dir.resolve("units.csv")));
			int count = units.size() - 1;
			assertEquals(kind.equals("bi_ice") ? 6 : 32, count, "concepts=6; InfoDisent: one part per channel of conv3/pool");
			assertTrue(overlay != null && overlay.size() >= count && overlay.size() <= 6 * count, kind + " panels " + overlay);
			Pattern name = Pattern.compile(unit + " (\\d+); example (\\d+); (.+\\.tif) slice 1; x=(\\d+),y=(\\d+)");
			Map<Integer, List<String>> shown = new HashMap<>();
			for (int i = 0; i < overlay.size(); i++) {
				Roi panel = overlay.get(i);
				Matcher m = name.matcher(panel.getName());
				assertTrue(m.matches(), panel.getName());
				shown.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>()).add(m.group(3) + " slice 1");
				ImageProcessor source = IJ.openImage(file(m.group(3) + " slice 1").toString()).getProcessor();
				// conv3/pool is a 4 x 4 map of the 32 x 32 patches: a cell covers 8 pixels, its patch is twice that, shown 3x
				assertEquals(48, panel.getBounds().width, panel.getName());
				int scale = 3;
				source.setRoi(Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), 16, 16);
				ImageProcessor crop = source.crop();
				crop.setInterpolationMethod(ImageProcessor.NONE);
				ImageProcessor expected = crop.resize(16 * scale, 16 * scale);
				ImageProcessor pixels = montage.getProcessor();
				pixels.setRoi(panel.getBounds());
				assertArrayEquals((int[]) expected.getPixels(), (int[]) pixels.crop().getPixels(), panel.getName());
				assertFalse(held(kind).contains(m.group(3)), "prototypes come from the training images, not the held-out ones");
			}
			for (int u = 1; u <= count; u++) {
				List<String> listed = java.util.Arrays.stream(units.get(u).get(units.get(u).size() - 1).split("; ")).map(RoiWriter::part).toList();
				assertEquals(listed, shown.getOrDefault(u, List.of("")), kind + " " + unit + " " + u + ": the table lists the montage's patches");
			}
		}
	}

	@Test
	void biIceRecordsItsConceptsSettlingEpochByEpoch() throws IOException {
		List<List<String>> csv = Csv.parse(Files.readString(work.resolve("bi_ice").resolve("convergence.csv")));
		assertEquals(List.of("epoch", "concept_change"), csv.get(0));
		int epochs = csv.size() - 1;
		assertEquals(60, epochs, "300 steps of batch 32 over 144 training images: 5 steps an epoch");
		double[] change = new double[epochs];
		for (int e = 0; e < epochs; e++) {
			assertEquals(Integer.toString(e + 1), csv.get(e + 1).get(0));
			change[e] = Double.parseDouble(csv.get(e + 1).get(1));
			assertTrue(change[e] >= 0 && Double.isFinite(change[e]));
		}
		double first = 0, last = 0;
		int quarter = epochs / 4;
		for (int e = 0; e < quarter; e++) {
			first += change[e] / quarter;
			last += change[epochs - 1 - e] / quarter;
		}
		assertTrue(last < first, "the concepts change less per epoch in the last quarter (" + last + ") than in the first (" + first + ")");
		BiIce head = (BiIce) InterpretableHead.load(work.resolve("bi_ice").resolve("head"));
		double[] saved = head.convergence();
		for (int e = 0; e < epochs; e++) assertEquals(change[e], saved[e], 1e-5 * Math.max(1, change[e]), "the head carries its record");
		ImagePlus plot = IJ.openImage(work.resolve("bi_ice").resolve("convergence.png").toString());
		assertTrue(plot != null && plot.getWidth() > 100, "the convergence plot is a readable PNG");
	}

	@Test
	void explanationsNameTheTopUnitsOfEachSliceAsChannelsRoisAndRows() throws Exception {
		ImagePlus stack = IJ.openImage(stack().toString());
		try (TensorFlowClassifier backbone = TensorFlowClassifier.load(model())) {
			FloatTensor batch = ImagePlusTensors.toTensor(stack, backbone.normalization()).tensor();
			for (String kind : List.of("infodisent", "bi_ice")) {
				assertFalse(logs.get("explain " + kind).contains("Error"), logs.get("explain " + kind));
				String unit = kind.equals("bi_ice") ? "concept" : "part", base = "ihc-heldout-patches-" + kind;
				Path dir = work.resolve("explain-" + kind);
				assertEquals(List.of(base + "-RoiSet.zip", base + "-results.csv", base + ".tif"), TestFiles.names(dir));
				InterpretableHead head = InterpretableHead.load(work.resolve(kind).resolve("head"));
				FloatTensor features = backbone.activations(batch, head.layer());
				double[][] logits = head.logits(features);
				List<List<String>> csv = Csv.parse(Files.readString(dir.resolve(base + "-results.csv")));
				assertEquals(List.of("slice", "frame", "label", "head_predicted", "backbone_predicted", "target", "rank", unit,
					"contribution", "share", "target_logit"), csv.get(0));
				Map<String, String> contribution = new HashMap<>();
				java.util.TreeSet<Integer> units = new java.util.TreeSet<>();
				int[] rowsPerSlice = new int[13];
				int[] biasRows = new int[13];
				for (List<String> row : csv.subList(1, csv.size())) {
					int z = Integer.parseInt(row.get(0)), predicted = argmax(logits[z - 1]);
					if (row.get(6).equals("bias")) {
						// on by default (the InfoDisent paper's reading of a decision): the target logit minus every unit's contribution
						assertEquals("bias", row.get(7));
						double explained = 0;
						for (double v : head.contributions(features, z - 1, predicted)) explained += v;
						double bias = logits[z - 1][predicted] - explained;
						assertEquals(bias, Double.parseDouble(row.get(8)), 1e-4 * Math.max(1, Math.abs(bias)), "slice " + z + ": the bias row");
						biasRows[z]++;
						continue;
					}
					int rank = Integer.parseInt(row.get(6)), u = Integer.parseInt(row.get(7));
					assertEquals(CLASSES.get(predicted), row.get(3), "slice " + z + ": the head's prediction");
					assertEquals(row.get(3), row.get(5), "target=predicted");
					double[] c = head.contributions(features, z - 1, predicted);
					double[] sorted = c.clone();
					java.util.Arrays.sort(sorted);
					assertEquals(sorted[sorted.length - rank], c[u - 1], 1e-9, "slice " + z + ": " + unit + " " + u + " is number " + rank);
					assertEquals(c[u - 1], Double.parseDouble(row.get(8)), 1e-5 * Math.max(1, c[u - 1]));
					rowsPerSlice[z]++;
					units.add(u);
					contribution.put(z + "|" + u, row.get(8));
				}
				for (int z = 1; z <= 12; z++) assertTrue(rowsPerSlice[z] >= 1 && rowsPerSlice[z] <= 3, "top=3 rows for slice " + z);
				for (int z = 1; z <= 12; z++) assertEquals(1, biasRows[z], "one bias row for slice " + z);
				ImagePlus maps = IJ.openImage(dir.resolve(base + ".tif").toString());
				assertEquals(3 + units.size(), maps.getNChannels(), "R, G, B + one channel per " + unit + " shown");
				assertEquals(12, maps.getNSlices());
				for (int z = 1; z <= 12; z++) {
					for (int ch = 0; ch < 3; ch++) {
						assertArrayEquals(ImagePlusTensors.plane(stack, ch, z - 1), (float[]) maps.getStack().getPixels(maps.getStackIndex(ch + 1, z, 1)));
					}
				}
				List<Roi> rois = RoiZip.read(dir.resolve(base + "-RoiSet.zip"));
				assertTrue(rois.size() >= 12 && rois.size() == csv.size() - 1 - 12, rois.size() + " ROIs for " + (csv.size() - 1 - 12)
					+ " part or concept rows (the bias rows have none)");
				Pattern name = Pattern.compile(unit + " (\\d+); (background|hematoxylin|DAB-positive); slice=(\\d+)");
				for (Roi roi : rois) {
					Matcher m = name.matcher(roi.getName());
					assertTrue(m.matches(), roi.getName());
					int z = Integer.parseInt(m.group(3));
					assertEquals(z, roi.getZPosition(), roi.getName() + " sits on its slice");
					// units shown in part order after R, G, B: the ROI sits on its unit's channel
					assertEquals(3 + 1 + new java.util.ArrayList<>(units).indexOf(Integer.parseInt(m.group(1))), roi.getCPosition(), roi.getName());
					assertEquals(CLASSES.get(argmax(logits[z - 1])), m.group(2));
					assertEquals(contribution.get(z + "|" + m.group(1)), roi.getProperty("contribution"), roi.getName());
					assertEquals(m.group(1), roi.getProperty(unit));
				}
				assertEquals(rois.size(), maps.getOverlay().size(), "the ROIs also travel as the TIFF's overlay");
			}
		}
	}

	/**
	 * against=true with top above the part count: every part with a contribution gets a row, those against the
	 * target (InfoDisent's negative evidence) too, and each slice's rows plus its bias row are the target logit.
	 */
	@Test
	void partsAgainstTheTargetCompleteTheDecision() throws Exception {
		assertFalse(logs.get("explain against").contains("Error"), logs.get("explain against"));
		ImagePlus stack = IJ.openImage(stack().toString());
		try (TensorFlowClassifier backbone = TensorFlowClassifier.load(model())) {
			InterpretableHead head = InterpretableHead.load(work.resolve("infodisent").resolve("head"));
			FloatTensor features = backbone.activations(ImagePlusTensors.toTensor(stack, backbone.normalization()).tensor(), head.layer());
			double[][] logits = head.logits(features);
			String base = "ihc-heldout-patches-infodisent";
			List<List<String>> csv = Csv.parse(Files.readString(work.resolve("explain-against").resolve(base + "-results.csv")));
			double[] sum = new double[13];
			int[] rows = new int[13];
			int against = 0;
			for (List<String> row : csv.subList(1, csv.size())) {
				int z = Integer.parseInt(row.get(0));
				double c = Double.parseDouble(row.get(8));
				sum[z] += c;
				if (!row.get(6).equals("bias")) {
					rows[z]++;
					if (c < 0) against++;
				}
			}
			for (int z = 1; z <= 12; z++) {
				int predicted = argmax(logits[z - 1]);
				double[] c = head.contributions(features, z - 1, predicted);
				assertEquals(java.util.Arrays.stream(c).filter(v -> v != 0).count(), rows[z], "slice " + z + ": a row per part with a contribution");
				double logit = logits[z - 1][predicted];
				assertEquals(logit, sum[z], 1e-3 * Math.max(1, Math.abs(logit)), "slice " + z + ": the rows make the target logit");
			}
			assertTrue(against > 0, "some part speaks against its slice's class");
			List<Roi> rois = RoiZip.read(work.resolve("explain-against").resolve(base + "-RoiSet.zip"));
			assertTrue(rois.stream().anyMatch(r -> Double.parseDouble(r.getProperty("contribution")) < 0), "the parts against have ROIs too");
		}
	}

	@Test
	void macoIsReproducibleWithItsSeedAndRaisesTheTargetLogit() throws Exception {
		String base = "ihc-stain-DAB-positive-maco";
		for (String run : List.of("maco-a", "maco-b")) {
			assertEquals(List.of(base + "-scores.csv", base + "-scores.png", base + ".tif"), TestFiles.names(work.resolve(run)));
		}
		ImagePlus a = IJ.openImage(work.resolve("maco-a").resolve(base + ".tif").toString());
		ImagePlus b = IJ.openImage(work.resolve("maco-b").resolve(base + ".tif").toString());
		assertEquals(4, a.getNChannels(), "R, G, B of the visualization + transparency");
		for (int c = 1; c <= 4; c++) {
			assertArrayEquals((float[]) a.getStack().getPixels(c), (float[]) b.getStack().getPixels(c), "same seed, same channel " + c);
		}
		float max = 0;
		for (float v : (float[]) a.getStack().getPixels(4)) {
			assertTrue(v >= 0 && v <= 1, "transparency in [0, 1]");
			max = Math.max(max, v);
		}
		assertEquals(1f, max, 1e-6);
		String info = (String) a.getProperty("Info");
		double start = value(info, "start_score"), end = value(info, "final_score");
		assertTrue(end > start, "target logit " + start + " at the start, " + end + " at the end");
		List<List<String>> csv = Csv.parse(Files.readString(work.resolve("maco-a").resolve(base + "-scores.csv")));
		assertEquals(1 + 120, csv.size(), "steps=120");
		double first = 0, last = 0;
		for (int t = 0; t < 10; t++) {
			first += Double.parseDouble(csv.get(1 + t).get(1)) / 10;
			last += Double.parseDouble(csv.get(csv.size() - 1 - t).get(1)) / 10;
		}
		assertTrue(last > first, "crop scores: first 10 steps " + first + ", last 10 " + last);
		FloatTensor x = FloatTensor.zeros(1, 32, 32, 3);
		for (int c = 0; c < 3; c++) {
			float[] plane = (float[]) a.getStack().getPixels(c + 1);
			for (int p = 0; p < plane.length; p++) x.data()[p * 3 + c] = plane[p];
		}
		try (TensorFlowClassifier m = TensorFlowClassifier.load(model())) {
			assertEquals(end, m.logits(x).get(0, 2), 1e-4 * Math.max(1, Math.abs(end)), "the saved image has the reported score");
		}
	}

	@Test
	void macoOfAHeadsPartRaisesThatPartsEvidence() throws Exception {
		String base = "ihc-stain-infodisent-part-1-maco";
		assertEquals(List.of(base + "-scores.csv", base + "-scores.png", base + ".tif"), TestFiles.names(work.resolve("maco-part")),
			logs.get("maco-part"));
		ImagePlus a = IJ.openImage(work.resolve("maco-part").resolve(base + ".tif").toString());
		String info = (String) a.getProperty("Info");
		double start = value(info, "start_score"), end = value(info, "final_score");
		assertTrue(end > start, "part 1's evidence " + start + " at the start, " + end + " at the end");
		FloatTensor x = FloatTensor.zeros(1, 32, 32, 3);
		for (int c = 0; c < 3; c++) {
			float[] plane = (float[]) a.getStack().getPixels(c + 1);
			for (int p = 0; p < plane.length; p++) x.data()[p * 3 + c] = plane[p];
		}
		InterpretableHead head = InterpretableHead.load(work.resolve("infodisent").resolve("head"));
		try (TensorFlowClassifier m = TensorFlowClassifier.load(model())) {
			double evidence = ((org.conceptscope.heads.InfoDisent) head).evidence(m.activations(x, head.layer()))[0][0];
			assertEquals(end, evidence, 1e-4 * Math.max(1, Math.abs(end)), "the saved image has the reported evidence of part 1");
		}
	}

	@Test
	void misnamedClassFoldersAndAHeadOfAnotherModelAreReported() {
		String wrong = logs.get("wrong folders");
		assertTrue(wrong.contains("The subfolder 'tumour'") && wrong.contains("is not a class of the model: name each subfolder after one of its classes (background, hematoxylin, DAB-positive)."),
			wrong);
		assertFalse(wrong.contains("still running"), "the macro is aborted");
		assertFalse(Files.exists(work.resolve("wrong")), "nothing written");
		String model = logs.get("wrong model");
		assertTrue(model.contains("reads layer 'conv3/pool'") && model.contains("use the model it was trained on"), model);
	}

	@Test
	void aHeadReplacedByAnotherKindLeavesNoneOfTheOldHeadsFiles() throws Exception {
		assertTrue(logs.get("switch heads").contains("both trained"), logs.get("switch heads"));
		assertEquals(List.of("accuracy.csv", "head", "heldout.csv", "prototypes.tif", "units.csv"), TestFiles.names(work.resolve("switch")));
		assertEquals("infodisent", InterpretableHead.load(work.resolve("switch").resolve("head")).kind());
	}

	/** Feature Visualization's targets that name nothing get sentences that offer what the command takes ("predicted" is not). */
	@Test
	void featureVisualizationTargetsThatNameNothingGetASentence() throws Exception {
		int parts = InterpretableHead.load(work.resolve("infodisent").resolve("head")).units();
		String part = logs.get("maco part too large"), typo = logs.get("maco class typo");
		assertTrue(part.contains("This infodisent head has " + parts + " parts: set target=[part k] with k in 1.." + parts
			+ ", not 99999999999."), part);
		assertTrue(typo.contains("Target 'tumour' is not a class of this model: use target=[a class name ('background', 'hematoxylin',"
			+ " 'DAB-positive')] or an index 0..2."), typo);
		for (String log : List.of(part, typo)) assertFalse(log.contains("still running") || log.contains("Exception"), log);
		assertFalse(Files.exists(work.resolve("maco-wrong")), "nothing written");
	}

	private Path file(String described) {
		String name = described.replace(" slice 1", "");
		// named by its path in the folder, "class/file" in tables, which a ROI name writes "class-file" (RoiWriter.part)
		return files.keySet().stream().filter(p -> {
			String path = p.getParent().getFileName() + "/" + p.getFileName();
			return path.equals(name) || RoiWriter.part(path).equals(name);
		}).findFirst().orElseThrow(
			() -> new AssertionError("no image " + described));
	}

	private List<String> held(String kind) throws IOException {
		List<String> out = new ArrayList<>();
		for (List<String> row : Csv.parse(Files.readString(work.resolve(kind).resolve("heldout.csv"))).subList(1, 19)) {
			out.add(RoiWriter.part(row.get(1).replace(" slice 1", ""))); // as the montage's ROI names write it
		}
		return out;
	}

	private static double value(String info, String key) {
		Matcher m = Pattern.compile(key + "=(\\S+)").matcher(info);
		assertTrue(m.find(), key + " in " + info);
		return Double.parseDouble(m.group(1));
	}

	static int argmax(double[] v) {
		int best = 0;
		for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
		return best;
	}

	private String macro(String name) throws IOException {
		return Files.readString(TestFiles.macros().resolve(name));
	}

	/** Explain with Head reports each slice's contributions and each unit's maps, and stops between them when asked. */
	@Test
	void explainingWithAHeadReportsEachSliceAndStopsWhenAsked() {
		ImagePlus stack = IJ.openImage(stack().toString());
		org.conceptscope.fiji.run.HeadExplanationSettings s = new org.conceptscope.fiji.run.HeadExplanationSettings();
		s.model = model();
		s.head = work.resolve("infodisent").resolve("head");
		s.saveDir = work.resolve("explain-stopped");
		List<String> reports = new java.util.ArrayList<>();
		assertThrows(java.util.concurrent.CancellationException.class, () -> org.conceptscope.fiji.run.HeadExplanationRun.run(stack, s,
			(done, total, message) -> {
				reports.add(message + " " + done + "/" + total);
				return !(message.equals("contributions") && done == 2);
			}));
		int n = stack.getStackSize();
		assertEquals(List.of("head 0/1", "contributions 0/" + n, "contributions 1/" + n, "contributions 2/" + n), reports);
		assertFalse(Files.exists(s.saveDir), "nothing written");
	}

	@Test
	void inBatchModeEachResultIsTheMacrosCurrentImage() {
		String log = logs.get("results are images");
		int maco = log.indexOf("result: ihc-stain-DAB-positive-maco"), explain = log.indexOf("result: ihc-heldout-patches-infodisent"),
			prototypes = log.indexOf("result: infodisent-prototypes");
		assertTrue(maco >= 0 && explain > maco && prototypes > explain, log);
		assertTrue(log.contains("images: 4"), "the stack and the three results, each selectable: " + log);
	}

	private Path stack() {
		return TestFiles.testImages().resolve("images").resolve("ihc-heldout-patches.tif");
	}

	private Path model() {
		return TestFiles.testImages().resolve("models").resolve("ihc-stain");
	}
}
