package org.conceptscope.concepts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.model.onnx.OnnxClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SobolDesigns;
import org.conceptscope.verify.ResidualModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What CRAFT refuses, and when: before any crop goes through the model (no progress report), a layer
 * inside a residual block (its importance feeds the layer, and a skip connection reaches around it),
 * more concepts than the layer's channels or than the images' crops, more than the Sobol sequence's
 * dimensions, designs beyond {@link Limits}, crops per image beyond {@link Limits} or a crop matrix the
 * heap cannot hold; the holistic numbers on a model without gradients (ONNX). And the warning of a
 * layer before its ReLU, whose negative activations CRAFT clips.
 * <p>
 * The model: input [N, 8, 8, 2]; conv 3x3 to 4 channels ("conv", before its ReLU), ReLU ("relu"); a
 * residual branch, 1x1 conv and ReLU ("branch_relu"), added to "relu" ("residual"); global mean,
 * dense to 3 logits. A second model has a 600-channel layer ("wide_relu").
 */
class CraftChecksTest {

	@TempDir
	static Path tmp;
	static TensorFlowClassifier model, wide;
	static FloatTensor images;

	@BeforeAll
	static void build() {
		ResidualModel.export(tmp.resolve("residual"), 11, 8, 2, (tf, g, x, r) -> {
			Operand<TFloat32> conv = ResidualModel.conv(tf, "conv", x, ResidualModel.random(r, 72, 0.5), new long[] { 3, 3, 2, 4 }, 1, "SAME");
			Operand<TFloat32> relu = tf.withName("relu").nn.relu(conv);
			Operand<TFloat32> branch = tf.withName("branch_relu").nn.relu(ResidualModel.conv(tf, "branch", relu, ResidualModel.random(r, 16, 0.5),
				new long[] { 1, 1, 4, 4 }, 1, "SAME"));
			Operand<TFloat32> sum = tf.withName("residual").math.add(relu, branch);
			Operand<TFloat32> mean = tf.withName("gap").math.mean(sum, tf.constant(new int[] { 1, 2 }));
			return tf.withName("logits").linalg.matMul(mean, ResidualModel.constant(tf, new long[] { 4, 3 }, ResidualModel.random(r, 12, 1)));
		});
		ResidualModel.export(tmp.resolve("wide"), 12, 8, 2, (tf, g, x, r) -> {
			Operand<TFloat32> relu = tf.withName("wide_relu").nn.relu(ResidualModel.conv(tf, "wide_conv", x, ResidualModel.random(r, 1200, 0.5),
				new long[] { 1, 1, 2, 600 }, 1, "SAME"));
			Operand<TFloat32> mean = tf.withName("gap").math.mean(relu, tf.constant(new int[] { 1, 2 }));
			return tf.withName("logits").linalg.matMul(mean, ResidualModel.constant(tf, new long[] { 600, 3 }, ResidualModel.random(r, 1800, 0.1)));
		});
		model = TensorFlowClassifier.load(tmp.resolve("residual"));
		wide = TensorFlowClassifier.load(tmp.resolve("wide"));
		Random r = new Random(3);
		images = FloatTensor.zeros(6, 8, 8, 2);
		for (int i = 0; i < images.size(); i++) images.data()[i] = (float) r.nextGaussian();
	}

	@AfterAll
	static void close() {
		model.close();
		wide.close();
	}

	/** Every report, as "message done/total". */
	static Progress recording(List<String> reports) {
		return (done, total, message) -> {
			reports.add(message + " " + done + "/" + total);
			return true;
		};
	}

	static CraftOptions options(String layer, int patch, int stride, int concepts) {
		return new CraftOptions(layer, patch, stride, concepts, 1, 1e-4, 100, 2);
	}

	/**
	 * "branch_relu" lies inside the residual block (the Add reaches around it): a run whose importance
	 * follows (Concept Discovery, per-class CRAFT) is refused there before any crop, with the sentence that
	 * names the layers that split the model; before, the crops and the NMF ran and the importance failed.
	 * Extraction alone only reads the layer, so it still runs there. The Add's output splits it, so CRAFT
	 * runs there. A bank at the inner layer is refused by every importance estimator and by the holistic
	 * numbers before any coefficient.
	 */
	@Test
	void aLayerInsideAResidualBlockIsRefusedBeforeAnyCrop() {
		assertTrue(model.layers().stream().anyMatch(l -> l.name().equals("branch_relu")), model.layers().toString());
		List<String> reports = new ArrayList<>();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Craft.checkLayer(model, "branch_relu"));
		assertTrue(e.getMessage().startsWith("Layer 'branch_relu' does not split the model: the logits depend on the input also through a path"
			+ " around it"), e.getMessage());
		assertTrue(e.getMessage().contains("residual"), "names a layer that splits: " + e.getMessage());
		assertEquals(2, Craft.fit(model, images, 0, options("branch_relu", 4, 4, 2), Progress.NONE).size(),
			"extraction alone reads the layer and needs no split");

		ConceptBank bank = Craft.fit(model, images, 0, options("residual", 4, 4, 2), recording(reports));
		assertTrue(reports.contains("CRAFT activations 24/24"), reports.toString());
		bank.layer = "branch_relu";
		reports.clear();
		List<Runnable> estimators = List.of(() -> ConceptImportance.sobol(model, bank, images, 8, 1, recording(reports)),
			() -> ConceptImportance.deletion(model, bank, images, recording(reports)),
			() -> ConceptImportance.gradientTimesInput(model, bank, images, recording(reports)),
			() -> HolisticConcepts.summarize(model, bank, images, null, recording(reports)));
		for (Runnable run : estimators) {
			IllegalArgumentException f = assertThrows(IllegalArgumentException.class, run::run);
			assertTrue(f.getMessage().startsWith("Layer 'branch_relu' does not split the model"), f.getMessage());
		}
		assertEquals(List.of(), reports, "no coefficient computed");
		assertThrows(IllegalArgumentException.class, () -> CraftPerClass.fit(model, images, null, null, 0, options("branch_relu", 4, 4, 2), 8,
			recording(reports)));
		assertEquals(List.of(), reports);
	}

	/**
	 * The counts, each refused before any crop with a sentence naming its key: 2 images of 8x8 with
	 * 16-pixel patches give one crop each, fewer than 3 concepts (before, the NMF failed after every crop
	 * pass); 5 concepts on a 4-channel layer; 501 concepts, more than the Sobol sequence's 500 dimensions,
	 * when Sobol importance follows (the NMF alone takes them); designs far beyond the limit (before: an
	 * OutOfMemoryError, or an int overflow of designs x (k + 2)).
	 */
	@Test
	void countsAreRefusedBeforeAnyCrop() {
		List<String> reports = new ArrayList<>();
		FloatTensor two = images.range(0, 2);
		IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
			() -> Craft.fit(model, two, 0, options("residual", 16, 8, 3), recording(reports)));
		assertEquals("CRAFT: concepts=3 needs at least 3 crops, but 2 images of 8x8 give 2 (crops of 8 pixels every 8): use concepts=2 or fewer,"
			+ " more images, or a smaller patch or stride.", few.getMessage());
		assertNull(Craft.tooFewCrops(options("residual", 4, 4, 8), 2, 8, 8), "2 images give 4 crops each");
		IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
			() -> Craft.fit(model, images, 0, options("residual", 4, 4, 5), recording(reports)));
		assertEquals("CRAFT: concepts=5 is more than the 4 channels of layer 'residual' (NMF finds at most one concept per channel): use"
			+ " concepts=4 or fewer, or a layer with more channels.", channels.getMessage());
		assertEquals(List.of(), reports, "no crop went through the model");

		Craft.checkConcepts(wide, options("wide_relu", 4, 4, 501), 0);
		IllegalArgumentException sobol = assertThrows(IllegalArgumentException.class,
			() -> Craft.checkConcepts(wide, options("wide_relu", 4, 4, 501), 32));
		assertTrue(sobol.getMessage().startsWith("Sobol concept importance takes at most 500 concepts"), sobol.getMessage());
		assertThrows(IllegalArgumentException.class, () -> CraftPerClass.fit(wide, images, null, null, 0, options("wide_relu", 4, 4, 501), 32,
			recording(reports)));

		ConceptBank bank = Craft.fit(model, images, 0, options("residual", 4, 4, 2), Progress.NONE);
		IllegalArgumentException designs = assertThrows(IllegalArgumentException.class,
			() -> ConceptImportance.sobol(model, bank, images, 400_000_000, 1, recording(reports)));
		assertTrue(designs.getMessage().startsWith("Sobol concept importance: designs=400000000 is more than " + Limits.MAX_PASSES),
			designs.getMessage());
		assertEquals(List.of(), reports);
		assertThrows(IllegalArgumentException.class, () -> new SobolDesigns(6, 400_000_000, 1), "the designs themselves refuse it too");
		assertThrows(IllegalArgumentException.class, () -> CraftPerClass.fit(model, images, null, null, 0, options("residual", 4, 4, 2),
			Limits.MAX_PASSES + 1, recording(reports)));
	}

	/**
	 * Crops per image: 16-pixel patches every 8 pixels on a 224-pixel input are 27 x 27 = 729 (positions 0,
	 * 8, ..., 208); 2-pixel patches every pixel on a 1000-pixel input are 999 x 999, more model passes per
	 * image than the limit. A crop matrix of 10^8 crops (at least 160 bytes each here) is more than the heap.
	 */
	@Test
	void cropsBeyondTheLimitsAreRefused() {
		assertEquals(729, Craft.cropsPerImage(224, 224, CraftOptions.of("x", 16, 8)));
		Craft.checkCropsPerImage(CraftOptions.of("x", 16, 8), 224, 224);
		IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
			() -> Craft.checkCropsPerImage(CraftOptions.of("x", 2, 1), 1000, 1000));
		assertEquals("CRAFT: patch=2 and stride=1 cut 998001 crops from each 1000x1000 image, more than the 100000 model passes per image"
			+ " ConceptScope allows: use a larger stride or patch.", many.getMessage());
		assertEquals(100_000_000L * ((8 * 4 + 24) + (8 * 2 + 24) + 40 + 24), Craft.cropBytes(100_000_000L, 4, 2));
		IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
			() -> Craft.checkCrops(model, options("residual", 8, 8, 2), 100_000_000L, 8, 8));
		assertTrue(heap.getMessage().startsWith("CRAFT: 100000000 images give 100000000 crops whose activations at layer 'residual' (4 channels)"
			+ " and factors need about 16.0 GB, and Java has"), heap.getMessage());
	}

	/**
	 * The coefficients' memory: 100 images of 64 positions and 1024 values, 6 concepts: 100 x 64 arrays of 6
	 * doubles (72 bytes with header and reference), 100 arrays of references (16 bytes) and one part of 64
	 * images' activations counted twice (2 x 4 x 64 x 1024 bytes); refused above what is left, in one
	 * sentence, and the holistic maps count their own 4 bytes per position and concept.
	 */
	@Test
	void theCoefficientsMemoryIsCheckedBeforeTheirImages() {
		assertEquals(100L * 64 * 72 + 100 * 16 + 2L * 4 * 64 * 1024, ConceptCoefficients.bytesNeeded(100, 64, 1024, 6));
		ConceptCoefficients.checkMemory(1000, 1000, 100, "conv", 64, 6);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> ConceptCoefficients.checkMemory(3_000_000_000L, 1_000_000_000L, 100, "conv", 64, 6));
		assertEquals("The concept coefficients of 100 images at layer 'conv' (64 positions, 6 concepts each) need about 3.0 GB and Java has 1.0"
			+ " GB left: give fewer images (a large image gives many tiles), or give Java more memory (-Xmx).", e.getMessage());
		// 20000 images at 'wide_relu' (64 positions) with 500 concepts: 20000 x 64 x 4024 bytes, about 5 GB, more than the test heap;
		// refused before the first image's activations (before, every image's activations were asked for at once: 3 GB)
		ConceptBank bank = new ConceptBank();
		bank.layer = "wide_relu";
		bank.className = "c";
		bank.concepts = new double[500][600];
		Random r = new Random(2);
		for (double[] row : bank.concepts) for (int j = 0; j < row.length; j++) row[j] = r.nextDouble();
		FloatTensor many = FloatTensor.zeros(20_000, 8, 8, 2);
		List<String> reports = new ArrayList<>();
		IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
			() -> ConceptImportance.deletion(wide, bank, many, recording(reports)));
		assertTrue(big.getMessage().startsWith("The concept coefficients of 20000 images at layer 'wide_relu' (64 positions, 500 concepts each)"
			+ " need about 5.2 GB"), big.getMessage());
		assertEquals(List.of(), reports);
	}

	/**
	 * A layer before its ReLU ("conv") has negative activations, clipped to 0 before the NMF: the bank
	 * records the fraction (counted here from the layer's activations of the images, each one crop) and the warning gives it in
	 * percent; after the ReLU nothing is clipped and nothing is said. The threshold is 1 %.
	 */
	@Test
	void clippingAboveOnePercentIsWarnedAbout() {
		// 8-pixel patches on 8x8 images: one crop per image, the image itself, so the count is the images' own activations
		CraftOptions o = options("conv", 8, 8, 2);
		ConceptBank before = Craft.fit(model, images, 0, o, Progress.NONE);
		float[] a = model.activations(images, "conv").data();
		long negative = 0;
		for (float v : a) if (v < 0) negative++;
		assertEquals(negative / (double) a.length, before.clippedFraction, 1e-12);
		assertTrue(before.clippedFraction > 0.2, "a random conv before its ReLU is negative about half the time: " + before.clippedFraction);
		assertEquals(String.format(java.util.Locale.ROOT, "CRAFT clipped %.1f %% of the crops' activations at layer 'conv' to 0 before the"
			+ " factorisation (they were negative: a layer before its ReLU?): the concepts of class %s describe positive evidence only; a layer"
			+ " after a ReLU keeps every value.", 100 * before.clippedFraction, before.className), Craft.clippedWarning(before));
		ConceptBank after = Craft.fit(model, images, 0, options("relu", 4, 4, 2), Progress.NONE);
		assertEquals(0, after.clippedFraction);
		assertNull(Craft.clippedWarning(after));
		after.clippedFraction = 0.01;
		assertNull(Craft.clippedWarning(after), "1 % exactly is not warned about");
		after.clippedFraction = 0.0101;
		assertTrue(Craft.clippedWarning(after).startsWith("CRAFT clipped 1.0 %"), Craft.clippedWarning(after));
	}

	/**
	 * An ONNX model runs forward passes only: the holistic numbers are refused before any coefficient,
	 * naming them; CRAFT per class gives each class its concepts and Sobol importance without them.
	 */
	@Test
	void onnxGetsConceptsAndImportanceButNoHolisticNumbers() {
		try (OnnxClassifier onnx = OnnxClassifier.load(BundledModels.dir("ihc-resnet-onnx").resolve("weights.onnx"), LoadOptions.defaults())) {
			Random r = new Random(8);
			FloatTensor x = FloatTensor.zeros(4, 32, 32, 3);
			for (int i = 0; i < x.size(); i++) x.data()[i] = (float) r.nextGaussian();
			String layer = org.conceptscope.attribution.GradCam.lastSpatialLayer(onnx);
			CraftOptions o = new CraftOptions(layer, 16, 16, 2, 1, 1e-4, 50, 2);
			List<CraftPerClass.ClassConcepts> all = CraftPerClass.fit(onnx, x, null, null, 0, o, 4, Progress.NONE);
			assertTrue(all.stream().anyMatch(CraftPerClass.ClassConcepts::found), "some class is predicted");
			for (CraftPerClass.ClassConcepts c : all) {
				if (!c.found()) continue;
				assertEquals(2, c.bank().importance.length);
				assertNull(c.holistic(), "no gradients, no holistic numbers");
			}
			ConceptBank bank = all.stream().filter(CraftPerClass.ClassConcepts::found).findFirst().orElseThrow().bank();
			List<String> reports = new ArrayList<>();
			UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
				() -> HolisticConcepts.summarize(onnx, bank, x, null, recording(reports)));
			assertTrue(e.getMessage().startsWith("Holistic concept importance (per-position importance maps, prevalence, reliability) needs"
				+ " gradients"), e.getMessage());
			assertEquals(List.of(), reports);
		}
	}
}
