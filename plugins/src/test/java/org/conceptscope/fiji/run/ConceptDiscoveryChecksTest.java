package org.conceptscope.fiji.run;

import static org.conceptscope.fiji.run.EarlyChecksAndStopsTest.recording;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.fiji.Csv;
import org.conceptscope.fiji.Printed;
import org.conceptscope.fiji.TestFiles;
import org.conceptscope.fiji.write.Numbers;
import org.conceptscope.model.Classifier;
import org.conceptscope.testmodels.LabelledPatchFolders;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concept Discovery as a user runs it, on the bundled models and real patches: what it refuses before
 * the long work (no image read, or no crop through the model), what it skips and says so, and what it
 * warns about.
 * <ul>
 * <li>{@code holistic} on the ONNX model (forward passes only) is refused before any image is read,
 * naming the key; before, every crop, the NMF and the Sobol passes ran and the run failed naming Saliency.</li>
 * <li>{@code per_class} on the ONNX model writes each class's concepts, atlas and importance without the
 * holistic outputs, saying so in the Log and in classes.csv; before, it failed after the first class.</li>
 * <li>{@code per_class} on the 16x16 CT model, whose default 16-pixel patch gives one crop per image: a
 * class predicted for fewer images than {@code concepts} is skipped (classes.csv row and Log line) and the
 * others are written; before, the whole run failed and nothing was written.</li>
 * <li>{@code concepts} above the layer's channels, or above the crops of the current image, is refused
 * before any crop goes through the model.</li>
 * <li>A layer before its ReLU: the clipped fraction is warned about in the Log and noted in the atlas' Info.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConceptDiscoveryChecksTest {

	@TempDir
	static Path work;

	private final Path models = TestFiles.testImages().resolve("models");
	private Path folder;

	@BeforeAll
	void images() throws Exception {
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve("images/ihc-heldout-patches.tif").toString());
		folder = Files.createDirectories(work.resolve("folder"));
		for (int i = 1; i <= 3; i++) {
			assertTrue(IJ.saveAsTiff(new ImagePlus("p" + i, patches.getStack().getProcessor(i).duplicate()), folder.resolve("p" + i + ".tif").toString()));
		}
	}

	private static String run(ImagePlus image, ConceptDiscoverySettings s, ConceptDiscoveryRun.Result[] out) {
		return Printed.during(() -> {
			try {
				out[0] = ConceptDiscoveryRun.run(image, s, Progress.NONE);
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			}
		});
	}

	private static String perClass(ConceptDiscoverySettings s, ConceptDiscoveryRun.PerClass[] out) {
		return Printed.during(() -> {
			try {
				out[0] = ConceptDiscoveryRun.perClass(s, Progress.NONE);
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			}
		});
	}

	@Test
	void holisticOnAModelWithoutGradientsIsRefusedBeforeAnyImageIsRead() {
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = models.resolve("ihc-resnet-onnx");
		s.folder = folder;
		s.holistic = true;
		s.saveDir = work.resolve("onnx-holistic");
		List<String> reports = new ArrayList<>();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConceptDiscoveryRun.run(null, s, recording(reports)));
		assertTrue(e.getMessage().startsWith("holistic=true needs gradients (the per-position concept importance, prevalence and reliability are"
			+ " read from them), which the model "), e.getMessage());
		assertTrue(e.getMessage().endsWith("cannot give (it runs forward passes only): leave holistic off for the concepts and their Sobol"
			+ " importance, or load a TorchScript or TensorFlow export of the model."), e.getMessage());
		assertEquals(List.of(), reports, "no image read");
		assertFalse(Files.exists(s.saveDir));
	}

	@Test
	void perClassOnAModelWithoutGradientsWritesConceptsAndImportanceOnly() throws Exception {
		Path data = work.resolve("ihc-data");
		LabelledPatchFolders.ihcFiles(data, 2);
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = models.resolve("ihc-resnet-onnx");
		s.folder = data;
		s.perClass = true;
		s.concepts = 2;
		s.designs = 4;
		s.stride = 16;
		s.saveDir = work.resolve("onnx-per-class");
		ConceptDiscoveryRun.PerClass[] out = new ConceptDiscoveryRun.PerClass[1];
		String log = perClass(s, out);
		String name;
		try (Classifier onnx = Models.open(s.model)) {
			name = onnx.name();
		}
		assertTrue(log.contains("ConceptScope Concept Discovery: no holistic outputs per class (per-position concept importance maps, prevalence,"
			+ " reliability, concept attribution maps): they need gradients, which the model " + name + " cannot give"), log);
		assertTrue(log.contains("ConceptScope Concept Discovery: 6 images, 4 crops each (16 pixels every 16, each resized to 32x32): 24 model"
			+ " passes to layer '"), log);
		assertFalse(out[0].results().isEmpty());
		List<List<String>> csv = Csv.parse(Files.readString(s.saveDir.resolve(ConceptDiscoveryRun.CLASSES)));
		assertEquals(ConceptDiscoveryRun.CLASSES_HEADER, csv.get(0));
		for (ConceptDiscoveryRun.Result r : out[0].results()) {
			assertNull(r.holistic());
			Path dir = s.saveDir.resolve(AttributionOutputs.fileName(r.bank().className));
			assertEquals(List.of("atlas.tif", "concepts.json", "importance.csv", "importance.png"), TestFiles.names(dir));
			List<String> row = csv.stream().filter(x -> x.get(0).equals(r.bank().className)).findFirst().orElseThrow();
			assertEquals(ConceptDiscoveryRun.NO_HOLISTIC_NOTE, row.get(6));
			assertEquals("2", row.get(2));
		}
	}

	/**
	 * Six held-out CT patches of air and of soft tissue, two of bone: with concepts=3 and one crop per
	 * 16x16 image, a class predicted for one or two images is skipped, the others get their folders.
	 */
	@Test
	void perClassSkipsAClassWithFewerCropsThanConceptsAndWritesTheOthers() throws Exception {
		Path data = LabelledPatchFolders.ct(work.resolve("ct-data"), 6);
		Path bone = data.resolve("bone").resolve("patches.tif");
		ImagePlus all = IJ.openImage(bone.toString());
		ImageStack two = new ImageStack(16, 16);
		for (int z = 1; z <= 2; z++) two.addSlice(all.getStack().getSliceLabel(z), all.getStack().getProcessor(z));
		assertTrue(IJ.saveAsTiff(new ImagePlus("bone", two), bone.toString()));
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = models.resolve("ct-tissue");
		s.folder = data;
		s.perClass = true;
		s.concepts = 3;
		s.designs = 4;
		s.saveDir = work.resolve("ct-per-class");
		int[] predicted;
		List<String> classes;
		try (Classifier ct = Models.open(s.model)) {
			classes = ct.classNames();
			predicted = new int[classes.size()];
			for (String c : classes) {
				ImagePlus stack = IJ.openImage(data.resolve(c).resolve("patches.tif").toString());
				for (int p : ct.logits(Models.input(stack, ct).tensor()).argmaxRows()) predicted[p]++;
			}
		}
		ConceptDiscoveryRun.PerClass[] out = new ConceptDiscoveryRun.PerClass[1];
		String log = perClass(s, out);
		List<List<String>> csv = Csv.parse(Files.readString(s.saveDir.resolve(ConceptDiscoveryRun.CLASSES)));
		int skipped = 0, written = 0;
		for (int c = 0; c < classes.size(); c++) {
			List<String> row = csv.get(c + 1);
			assertEquals(classes.get(c), row.get(0));
			assertEquals(Integer.toString(predicted[c]), row.get(1));
			Path dir = s.saveDir.resolve(AttributionOutputs.fileName(classes.get(c)));
			if (predicted[c] > 0 && predicted[c] < 3) {
				skipped++;
				String why = "skipped: CRAFT: concepts=3 needs at least 3 crops, but " + predicted[c] + " image" + (predicted[c] == 1 ? "" : "s")
					+ " of 16x16 give " + predicted[c] + " (crops of 16 pixels every 8): use concepts=" + predicted[c] + " or fewer, more images, or a"
					+ " smaller patch or stride.";
				assertEquals(why, row.get(6));
				assertTrue(log.contains("ConceptScope Concept Discovery: class " + classes.get(c) + " (" + predicted[c] + " image"
					+ (predicted[c] == 1 ? "" : "s") + " predicted as it) " + why), log);
				assertFalse(Files.exists(dir));
			} else if (predicted[c] >= 3) {
				written++;
				assertEquals("3", row.get(2));
				assertTrue(Files.exists(dir.resolve("concepts.json")));
				assertTrue(Files.exists(dir.resolve("holistic.csv")), "a model with gradients: the holistic outputs too");
				assertEquals("", row.get(6));
			}
		}
		assertTrue(skipped >= 1 && written >= 1, "bone is predicted for one or two patches, air and soft tissue for more: "
			+ java.util.Arrays.toString(predicted));
		assertTrue(ConceptDiscoveryRun.summary(out[0]).contains(", skipped)"), ConceptDiscoveryRun.summary(out[0]));
	}

	/**
	 * concepts=9 on the CT model's conv1/relu (8 channels) is refused before the folder is read; concepts=3
	 * on a current image of two 16x16 patches (one crop each) before any crop goes through the model;
	 * designs beyond the limit before anything.
	 */
	@Test
	void conceptsTheLayerOrTheCropsCannotGiveAreRefusedBeforeAnyCrop() throws Exception {
		Path data = LabelledPatchFolders.ct(work.resolve("ct-counts"), 2);
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = models.resolve("ct-tissue");
		s.folder = data.resolve("air");
		s.layer = "conv1/relu";
		s.concepts = 9;
		s.saveDir = work.resolve("ct-counts-out");
		List<String> reports = new ArrayList<>();
		IllegalArgumentException channels = assertThrows(IllegalArgumentException.class, () -> ConceptDiscoveryRun.run(null, s, recording(reports)));
		assertEquals("CRAFT: concepts=9 is more than the 8 channels of layer 'conv1/relu' (NMF finds at most one concept per channel): use"
			+ " concepts=8 or fewer, or a layer with more channels.", channels.getMessage());
		assertEquals(List.of(), reports, "no image read");

		s.folder = null;
		s.concepts = 3;
		ImagePlus image = IJ.openImage(data.resolve("air").resolve("patches.tif").toString());
		IllegalArgumentException few = assertThrows(IllegalArgumentException.class, () -> ConceptDiscoveryRun.run(image, s, recording(reports)));
		assertEquals("CRAFT: concepts=3 needs at least 3 crops, but 2 images of 16x16 give 2 (crops of 16 pixels every 8): use concepts=2 or"
			+ " fewer, more images, or a smaller patch or stride.", few.getMessage());
		assertTrue(reports.stream().noneMatch(r -> r.startsWith("CRAFT activations")), reports.toString());

		s.designs = org.conceptscope.util.Limits.MAX_PASSES + 1;
		IllegalArgumentException designs = assertThrows(IllegalArgumentException.class, () -> ConceptDiscoveryRun.run(image, s, recording(reports)));
		assertTrue(designs.getMessage().startsWith("designs=100001 is more than 100000"), designs.getMessage());
		assertFalse(Files.exists(s.saveDir));
	}

	/**
	 * conv2/bias_add is the IHC model's layer before its ReLU: CRAFT clips its negative values, says how
	 * many in the Log and the atlas' Info; at conv2/relu nothing is clipped and nothing said.
	 */
	@Test
	void aLayerBeforeItsReluIsWarnedAbout() throws Exception {
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = models.resolve("ihc-stain");
		s.folder = folder;
		s.layer = "conv2/bias_add";
		s.concepts = 3;
		s.designs = 4;
		s.saveDir = work.resolve("clipped");
		ConceptDiscoveryRun.Result[] out = new ConceptDiscoveryRun.Result[1];
		String log = run(null, s, out);
		double clipped = out[0].bank().clippedFraction;
		assertTrue(clipped > 0.01, "a conv before its ReLU: " + clipped);
		assertTrue(log.contains(String.format(java.util.Locale.ROOT, "ConceptScope warning: CRAFT clipped %.1f %% of the crops' activations at"
			+ " layer 'conv2/bias_add' to 0", 100 * clipped)), log);
		assertTrue(log.contains("ConceptScope Concept Discovery: 3 images, 9 crops each (16 pixels every 8, each resized to 32x32): 27 model"
			+ " passes to layer 'conv2/bias_add'."), log);
		String info = (String) IJ.openImage(s.saveDir.resolve(ConceptDiscoveryRun.ATLAS).toString()).getProperty("Info");
		assertTrue(info.contains("clipped_fraction=" + Numbers.number(clipped) + " (negative activations set to 0 before the NMF)"), info);

		s.layer = "conv2/relu";
		s.saveDir = work.resolve("not-clipped");
		String quiet = run(null, s, out);
		assertEquals(0, out[0].bank().clippedFraction);
		assertFalse(quiet.contains("ConceptScope warning"), quiet);
	}
}
