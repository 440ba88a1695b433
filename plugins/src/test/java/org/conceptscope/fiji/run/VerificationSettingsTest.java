package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.FloatProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.fiji.image.LabelledFolder;
import org.conceptscope.tensor.Normalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** EVA's and mege_reco's keys, their defaults on both entry points, and the messages for bad values and bad folders. */
class VerificationSettingsTest {

	private static final List<String> CT = List.of("air", "soft tissue", "bone");

	@TempDir
	Path dir;

	@Test
	void evaKeysParseAndReplay() {
		AttributionSettings s = AttributionSettings.parse("model=[/m] method=eva epsilon=0.02 grid=4 bounds=CROWN");
		assertEquals(0.02, s.epsilon());
		assertEquals("crown", s.bounds());
		assertEquals("eva", AttributionMethods.create(s.validate()).name());
		String replay = s.toMacroOptions();
		assertEquals(replay, AttributionSettings.parse(replay).toMacroOptions(), "the replay line reads back the same");
		assertEquals("epsilon must be a positive radius in the model's normalised input units (eva; e.g. 0.01), got 0.0.",
			message(() -> AttributionSettings.parse("model=[/m] method=eva epsilon=0").validate()));
		assertEquals("Unknown bounds 'box': use bounds=interval (fast) or bounds=crown (tighter, slower).",
			message(() -> AttributionSettings.parse("model=[/m] method=eva bounds=box").validate()));
	}

	@Test
	void megeRecoKeysParseReplayAndAreChecked() throws Exception {
		Path folder = Files.createDirectories(dir.resolve("labelled"));
		EvaluationSettings s = EvaluationSettings.parse("model=[/m] metric=mege_reco folder=[" + folder + "] methods=[saliency, RANDOM]"
			+ " folds=3 architecture=[conv 8,16; pool; global average] training_steps=50 seed=3");
		assertEquals(List.of("saliency", "random"), s.validate().methodList());
		assertEquals("conv 8,16; pool; global average", s.architecture);
		assertEquals(3, s.folds);
		assertEquals(50, s.trainingSteps);
		assertEquals(s.toMacroOptions(), EvaluationSettings.parse(s.toMacroOptions()).toMacroOptions());
		assertEquals("mege_reco needs labelled images: set folder=[a folder with one subfolder of images per class, named after the"
			+ " model's classes].", message(() -> EvaluationSettings.parse("model=[/m] metric=mege_reco").validate()));
		assertEquals("Unknown method 'saliencey' in methods: use attribution methods (saliency, gradient_x_input, integrated_gradients,"
			+ " smoothgrad, vargrad, squaregrad, gradcam, gradcam_plus_plus, guided_backprop, deconvnet, occlusion, rise, sobol, hsic, lime, kernel_shap, eva, srd) or random, separated by"
			+ " commas.", message(() -> EvaluationSettings.parse("model=[/m] metric=mege_reco folder=[" + folder
				+ "] methods=saliencey").validate()));
		assertEquals("folds must be at least 2 (each model is trained on all folds but one), got 1.",
			message(() -> EvaluationSettings.parse("model=[/m] metric=mege_reco folder=[" + folder + "] folds=1").validate()));
		// The per-slice metrics do not look at the mege_reco keys.
		EvaluationSettings.parse("model=[/m] metric=deletion folds=1").validate();
	}

	@Test
	void labelledFoldersNameTheModelsClasses() throws Exception {
		Path folder = Files.createDirectories(dir.resolve("ct"));
		write(folder.resolve("AIR"), 3, 16, -1000f);
		write(folder.resolve("bone"), 2, 16, 1200f);
		Files.writeString(folder.resolve("notes.txt"), "skipped");
		LabelledFolder.Data d = LabelledFolder.read(folder, CT, Normalization.parse("affine(0,1000)"), new long[] { -1, 16, 16, 1 }, imp -> imp);
		assertArrayEquals(new int[] { 0, 0, 0, 2, 2 }, d.labels(), "AIR is air (case ignored), bone is bone; subfolders in name order");
		assertArrayEquals(new int[] { 3, 0, 2 }, d.counts());
		assertEquals(-1f, d.tensor().data()[0], 1e-6f, "normalised with the model's normalisation");

		write(folder.resolve("Bone"), 1, 16, 900f);
		assertEquals("Two subfolders of " + folder + " name the class 'bone'.", message(() -> read(folder)));
		Files.walk(folder.resolve("Bone")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());

		IJ.saveAsTiff(stack(1, 16, 0f), folder.resolve("loose.tif").toString());
		assertEquals("The image " + folder.resolve("loose.tif") + " lies outside the class subfolders of " + folder + ", so it has no"
			+ " label: move it into the subfolder of its class (air, soft tissue, bone).", message(() -> read(folder)));
		Files.delete(folder.resolve("loose.tif"));

		write(folder.resolve("soft tissue"), 2, 8, 40f);
		assertEquals("The images in " + folder.resolve("soft tissue") + " are 8 x 8 with 1 channel(s), but the model takes 16 x 16 with 1:"
			+ " give images of the model's input size or larger.", message(() -> read(folder)));

		Path one = Files.createDirectories(dir.resolve("one"));
		write(one.resolve("air"), 2, 16, -900f);
		assertEquals("The folder " + one + " holds images of 1 class(es); give one subfolder of images for each of at least 2 classes,"
			+ " named after the model's classes (air, soft tissue, bone).", message(() -> read(one)));
	}

	private LabelledFolder.Data read(Path folder) throws Exception {
		return LabelledFolder.read(folder, CT, Normalization.parse("affine(0,1000)"), new long[] { -1, 16, 16, 1 }, imp -> imp);
	}

	private static void write(Path sub, int slices, int size, float value) throws Exception {
		Files.createDirectories(sub);
		IJ.saveAsTiff(stack(slices, size, value), sub.resolve("patches.tif").toString());
	}

	private static ImagePlus stack(int slices, int size, float value) {
		ImageStack s = new ImageStack(size, size);
		for (int i = 0; i < slices; i++) {
			float[] px = new float[size * size];
			java.util.Arrays.fill(px, value + i);
			s.addSlice(new FloatProcessor(size, size, px));
		}
		return new ImagePlus("patches", s);
	}

	interface Call {
		Object run() throws Exception;
	}

	private static String message(Call c) {
		return assertThrows(IllegalArgumentException.class, c::run).getMessage();
	}
}
